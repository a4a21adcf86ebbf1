namespace LlmOps.Triggers;

/// <summary>An HTTP request as a handler sees it; <see cref="ContentType"/> and <see cref="ContentEncoding"/> from its headers.</summary>
public sealed record HttpTriggerRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> RouteValues,
    IReadOnlyDictionary<string, string> Query,
    ReadOnlyMemory<byte> Body,
    string? ContentType = null,
    string? ContentEncoding = null,
    IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>A header's value (names are case-insensitive), or null.</summary>
    public string? Header(string name) =>
        Headers is null ? null : Headers.TryGetValue(name, out var value) ? value : Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
