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
        var span = bytes.Span;
        if (!Utf8.IsValid(span))
        {
            return ReadOutcome.Malformed(number, $"invalid UTF-8 at byte {FirstInvalidByte(span)}");
        }

        // One pass of Utf8JsonReader straight into the fields (no JsonDocument), with the same rules as
        // JsonDocument.Parse: one value per line, nothing after it, no comments or trailing commas.
        try
        {
            var reader = new Utf8JsonReader(span, isFinalBlock: true, state: default);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return ReadOutcome.Malformed(number, $"expected a JSON object, found {Kind(reader.TokenType)}");
            }

            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = JsonPropertyNames.Get(ref reader);
                reader.Read();
                fields[name] = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => reader.TryGetInt64(out var whole) ? (object)whole
                        : reader.TryGetDouble(out var real) && double.IsFinite(real) ? real
                        : throw new JsonException($"the number {Encoding.UTF8.GetString(reader.ValueSpan)} of '{name}' is out of range", null, null, reader.TokenStartIndex),
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    JsonTokenType.Null => null,
                    _ => RawText(span, ref reader),
                };
            }

            if (reader.Read())
            {
                // Unreachable for valid JSON: the reader throws on anything after the root object.
                return ReadOutcome.Malformed(number, "more than one JSON value on the line");
            }

            return ReadOutcome.Record(number, fields);
        }
        catch (JsonException ex)
        {
            return ReadOutcome.Malformed(number, $"malformed JSON at byte {ex.BytePositionInLine ?? 0}: {ex.Message.Split(" LineNumber", 2)[0]}");
        }
    }

    /// <summary>A nested object or array as its original JSON text (as <see cref="JsonElement.GetRawText"/> gives it).</summary>
    private static string RawText(ReadOnlySpan<byte> line, ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(line[start..(int)reader.BytesConsumed]);
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLowerInvariant(),
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
