namespace LlmOps.Triggers;

/// <summary>An HTTP request as a handler sees it.</summary>
public sealed record HttpTriggerRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> RouteValues,
    IReadOnlyDictionary<string, string> Query,
    ReadOnlyMemory<byte> Body);
