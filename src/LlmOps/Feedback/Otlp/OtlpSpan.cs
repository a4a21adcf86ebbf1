namespace LlmOps.Feedback.Otlp;

/// <summary>
/// One span of an OTLP trace export, as far as LlmOps reads it: ids (hex), name, start and end (Unix nanoseconds),
/// status (0 unset, 1 ok, 2 error) and message, attributes (string, bool, long, double or a list of those), its
/// events with their attributes, and its resource's attributes.
/// </summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string Name,
    ulong StartUnixNano,
    ulong EndUnixNano,
    int StatusCode,
    string? StatusMessage,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyList<OtlpEvent> Events,
    IReadOnlyDictionary<string, object?> Resource);
