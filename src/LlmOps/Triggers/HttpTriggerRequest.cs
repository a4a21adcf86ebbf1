namespace LlmOps.Triggers;

/// <summary>An HTTP request as a handler sees it; <see cref="ContentType"/> and <see cref="ContentEncoding"/> from its headers.</summary>
public sealed record HttpTriggerRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> RouteValues,
    IReadOnlyDictionary<string, string> Query,
    ReadOnlyMemory<byte> Body,
    string? ContentType = null,
    string? ContentEncoding = null);
