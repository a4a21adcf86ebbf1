using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>
/// What one host process last published (<c>llmops-hosts/status/</c>, every <c>LlmOps:Host:StatusInterval</c>, 15 s by default):
/// its listeners' states and pending inputs (the local host; in Azure the Functions host keeps those), and per
/// function the last success and failure of the invocations it ran.
/// </summary>
public sealed record HostStatus(
    string Host,
    string Machine,
    int ProcessId,
    DateTimeOffset WrittenAt,
    IReadOnlyList<ListenerState> Listeners,
    IReadOnlyDictionary<string, int> Pending,
    IReadOnlyDictionary<string, FunctionActivity> Functions)
{
    public const string Folder = "status/";

    public string BlobName => $"{Folder}{Host}-{Machine}-{ProcessId}.json";
}
