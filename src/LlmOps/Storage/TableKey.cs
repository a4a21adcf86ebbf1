using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LlmOps.Storage;

/// <summary>
/// Makes any text usable as a PartitionKey or RowKey: the characters Table storage forbids
/// (<c>/ \ # ?</c>, control characters) and <c>%</c> itself are percent-encoded, so the mapping is reversible; a
/// key that would pass <see cref="MaxLength"/> characters (keys are limited to 1 KiB) keeps its first
/// <see cref="KeptPrefix"/> characters and ends in <c>~</c> and a SHA-256 of the whole value, so it stays unique but no
/// longer decodes: rows with such keys keep the full value in a property.
/// </summary>
public static class TableKey
{
    public const int MaxLength = 255;

    public const int KeptPrefix = 200;

    public static string Encode(string value)
    {
        var encoded = Escape(value);
        return encoded.Length <= MaxLength
            ? encoded
            : encoded[..KeptPrefix] + "~" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..40];
    }

    private static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringBuilder? builder = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                builder ??= new StringBuilder(value, 0, i, value.Length + 16);
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder?.Append(c);
            }
        }

        return builder?.ToString() ?? value;
    }

    /// <summary>A RowKey that sorts newer times first (inverted ticks, fixed width), for "latest first" partition scans.</summary>
    public static string NewestFirst(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// A table filter for the rows whose RowKey starts with <paramref name="rowKeyPrefix"/>, in one partition
    /// (<paramref name="partitionKey"/>, already encoded) or, when it is null, in every partition.
    /// </summary>
    public static string PrefixFilter(string? partitionKey, string rowKeyPrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(rowKeyPrefix);
        // The bound is the prefix with its last character raised by one, so every key that starts with the prefix
        // sorts below it, whatever follows (prefix + "~" left out keys going on with a character past '~', as "é").
        var bound = rowKeyPrefix[..^1] + (char)(rowKeyPrefix[^1] + 1);
        var range = $"RowKey ge {Literal(rowKeyPrefix)} and RowKey lt {Literal(bound)}";
        return partitionKey is null ? range : $"PartitionKey eq {Literal(partitionKey)} and {range}";
    }

    /// <summary>An OData string literal for a table filter: quotes doubled, so user input cannot widen a query.</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
