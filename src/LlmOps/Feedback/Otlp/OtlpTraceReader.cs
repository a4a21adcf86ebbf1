using System.Globalization;
using System.Text.Json;
using Google.Protobuf;

namespace LlmOps.Feedback.Otlp;

/// <summary>
/// Reads an OTLP/HTTP trace export (ExportTraceServiceRequest) as protobuf (<c>application/x-protobuf</c>) or JSON
/// (<c>application/json</c>, ids in hex, 64-bit integers as strings or numbers), by the field numbers of the OTLP
/// specification: resource spans -> resource attributes and scope spans -> spans with attributes, events and status.
/// Fields LlmOps does not use are skipped, so newer exporters' additions are harmless. A malformed body is a
/// <see cref="FormatException"/>.
/// </summary>
public static class OtlpTraceReader
{
    public static IReadOnlyList<OtlpSpan> Read(ReadOnlyMemory<byte> body, bool json)
    {
        try
        {
            return json ? ReadJson(body) : ReadProtobuf(body.ToArray());
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            // Only the reading of the body is inside: a value of the wrong JSON kind (InvalidOperationException) or a
            // missing member (KeyNotFoundException) here is malformed input, not a bug elsewhere.
            throw new FormatException($"Not an OTLP trace export ({(json ? "JSON" : "protobuf")}): {ex.Message}", ex);
        }
    }

    private static List<OtlpSpan> ReadProtobuf(byte[] body)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Fields(body, 1))
        {
            var resource = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var resourceMessage in Fields(resourceSpans, 1))
            {
                foreach (var keyValue in Fields(resourceMessage, 1))
                {
                    AddKeyValue(keyValue, resource);
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    spans.Add(ReadSpan(span, resource));
                }
            }
        }

        return spans;
    }

    private static OtlpSpan ReadSpan(byte[] span, IReadOnlyDictionary<string, object?> resource)
    {
        string traceId = "", spanId = "", name = "";
        ulong start = 0, end = 0;
        int code = 0;
        string? message = null;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var events = new List<OtlpEvent>();
        var input = new CodedInputStream(span);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    traceId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    spanId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 5 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    name = input.ReadString();
                    break;
                case 7 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                    start = input.ReadFixed64();
                    break;
                case 8 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                    end = input.ReadFixed64();
                    break;
                case 9 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    AddKeyValue(input.ReadBytes().ToByteArray(), attributes);
                    break;
                case 11 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    events.Add(ReadEvent(input.ReadBytes().ToByteArray()));
                    break;
                case 15 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    (code, message) = ReadStatus(input.ReadBytes().ToByteArray());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new OtlpSpan(traceId, spanId, name, start, end, code, message, attributes, events, resource);
    }

    private static OtlpEvent ReadEvent(byte[] message)
    {
        var name = "";
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    name = input.ReadString();
                    break;
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    AddKeyValue(input.ReadBytes().ToByteArray(), attributes);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new OtlpEvent(name, attributes);
    }

    private static (int Code, string? Message) ReadStatus(byte[] status)
    {
        int code = 0;
        string? message = null;
        var input = new CodedInputStream(status);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    message = input.ReadString();
                    break;
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    code = input.ReadEnum();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (code, message);
    }

    private static void AddKeyValue(byte[] keyValue, Dictionary<string, object?> into)
    {
        string? key = null;
        object? value = null;
        var input = new CodedInputStream(keyValue);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    key = input.ReadString();
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    value = ReadAnyValue(input.ReadBytes().ToByteArray());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (key is not null)
        {
            into[key] = value;
        }
    }

    private static object? ReadAnyValue(byte[] anyValue)
    {
        object? value = null;
        var input = new CodedInputStream(anyValue);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var wire = WireFormat.GetTagWireType(tag);
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when wire == WireFormat.WireType.LengthDelimited:
                    value = input.ReadString();
                    break;
                case 2 when wire == WireFormat.WireType.Varint:
                    value = input.ReadBool();
                    break;
                case 3 when wire == WireFormat.WireType.Varint:
                    value = input.ReadInt64();
                    break;
                case 4 when wire == WireFormat.WireType.Fixed64:
                    value = input.ReadDouble();
                    break;
                case 5 when wire == WireFormat.WireType.LengthDelimited:
                    value = Fields(input.ReadBytes().ToByteArray(), 1).Select(ReadAnyValue).ToList();
                    break;
                case 6 when wire == WireFormat.WireType.LengthDelimited:
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var keyValue in Fields(input.ReadBytes().ToByteArray(), 1))
                    {
                        AddKeyValue(keyValue, map);
                    }

                    value = map;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return value;
    }

    /// <summary>The length-delimited occurrences of field <paramref name="number"/> of a message.</summary>
    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }

    private static List<OtlpSpan> ReadJson(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Array(document.RootElement, "resourceSpans"))
        {
            var resource = resourceSpans.TryGetProperty("resource", out var r) ? JsonAttributes(r) : new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var scopeSpans in Array(resourceSpans, "scopeSpans"))
            {
                foreach (var span in Array(scopeSpans, "spans"))
                {
                    var status = span.TryGetProperty("status", out var s) ? s : default;
                    spans.Add(new OtlpSpan(
                        Text(span, "traceId")?.ToLowerInvariant() ?? "",
                        Text(span, "spanId")?.ToLowerInvariant() ?? "",
                        Text(span, "name") ?? "",
                        UInt64(span, "startTimeUnixNano"),
                        UInt64(span, "endTimeUnixNano"),
                        status.ValueKind == JsonValueKind.Object && status.TryGetProperty("code", out var code) ? (code.ValueKind == JsonValueKind.Number ? code.GetInt32() : code.GetString() == "STATUS_CODE_ERROR" ? 2 : code.GetString() == "STATUS_CODE_OK" ? 1 : 0) : 0,
                        status.ValueKind == JsonValueKind.Object ? Text(status, "message") : null,
                        JsonAttributes(span),
                        [.. Array(span, "events").Select(e => new OtlpEvent(Text(e, "name") ?? "", JsonAttributes(e)))],
                        resource));
                }
            }
        }

        return spans;
    }

    private static Dictionary<string, object?> JsonAttributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var keyValue in Array(owner, "attributes"))
        {
            attributes[Text(keyValue, "key") ?? ""] = keyValue.TryGetProperty("value", out var value) ? JsonAnyValue(value) : null;
        }

        return attributes;
    }

    private static object? JsonAnyValue(JsonElement value)
    {
        foreach (var property in value.EnumerateObject())
        {
            return property.Name switch
            {
                "stringValue" => property.Value.GetString(),
                "boolValue" => property.Value.GetBoolean(),
                "intValue" => property.Value.ValueKind == JsonValueKind.String ? long.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture) : property.Value.GetInt64(),
                "doubleValue" => property.Value.GetDouble(),
                "arrayValue" => Array(property.Value, "values").Select(JsonAnyValue).ToList(),
                "kvlistValue" => JsonAttributes(property.Value.TryGetProperty("values", out _) ? Rename(property.Value) : property.Value),
                _ => null,
            };
        }

        return null;
    }

    /// <summary>A kvlistValue holds its pairs under "values"; read them as "attributes".</summary>
    private static JsonElement Rename(JsonElement kvlist) =>
        JsonDocument.Parse("{\"attributes\":" + kvlist.GetProperty("values").GetRawText() + "}").RootElement.Clone();

    private static JsonElement[] Array(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? [.. array.EnumerateArray()] : [];

    private static string? Text(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ulong UInt64(JsonElement owner, string name) =>
        !owner.TryGetProperty(name, out var value) ? 0
        : value.ValueKind == JsonValueKind.String ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture)
        : value.GetUInt64();
}
