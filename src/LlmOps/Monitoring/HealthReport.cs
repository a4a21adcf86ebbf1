namespace LlmOps.Monitoring;

/// <summary>The body of GET /api/health.</summary>
public sealed record HealthReport(string Status, string Version, string BlobEndpoint, string QueueEndpoint, string TableEndpoint, IReadOnlyList<ListenerState>? Listeners = null);
