using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace LlmOps.Ingestion.Reading;

/// <summary>JSON Lines: one object per line; blank lines are skipped; a bad line is reported, never fatal.</summary>
public static class JsonlRecordReader
{
    public static async IAsyncEnumerable<ReadOutcome> ReadAsync(Stream utf8, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var line in Utf8LineReader.ReadAsync(utf8, cancellationToken: cancellationToken))
        {
            if (line.TooLong)
            {
                yield return ReadOutcome.Malformed(line.Number, $"line longer than {Utf8LineReader.MaxLineBytes / (1024 * 1024)} MiB");
                continue;
            }

            if (IsBlank(line.Bytes.Span))
            {
                continue;
            }

            yield return Parse(line.Number, line.Bytes);
        }
    }

    internal static ReadOutcome Parse(long number, ReadOnlyMemory<byte> bytes)
    {
        if (!Utf8.IsValid(bytes.Span))
        {
            return ReadOutcome.Malformed(number, $"invalid UTF-8 at byte {FirstInvalidByte(bytes.Span)}");
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ReadOutcome.Malformed(number, $"expected a JSON object, found {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            }

            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                fields[property.Name] = ToValue(property.Value);
            }

            return ReadOutcome.Record(number, fields);
        }
        catch (JsonException ex)
        {
            return ReadOutcome.Malformed(number, $"malformed JSON at byte {ex.BytePositionInLine}: {ex.Message.Split(" LineNumber", 2)[0]}");
        }
    }

    internal static object? ToValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? (object)whole : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    internal static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        Utf8.ToUtf16(bytes, chars, out var read, out _, replaceInvalidSequences: false);
        return read;
    }
}
