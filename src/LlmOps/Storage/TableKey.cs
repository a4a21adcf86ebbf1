using System.Globalization;
using System.Text;

namespace LlmOps.Storage;

/// <summary>
/// Makes any text usable as a PartitionKey or RowKey: the characters Table storage forbids
/// (<c>/ \ # ?</c>, control characters) and <c>%</c> itself are percent-encoded, so the mapping is reversible.
/// </summary>
public static class TableKey
{
    public static string Encode(string value)
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

    /// <summary>An OData string literal for a table filter: quotes doubled, so user input cannot widen a query.</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
