using System.Reflection;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>
/// GET /api/health: the product version, the storage endpoints this instance talks to, and each trigger listener's
/// state; 503 with status "unhealthy" while any listener is faulted (it keeps retrying), so a probe sees an outage.
/// </summary>
public sealed class HealthEndpoint(StorageAccount storage, ListenerStates listeners) : IHttpTriggerHandler
{
    public static string ProductVersion { get; } =
        typeof(HealthEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(HealthEndpoint).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    public Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        var states = listeners.Snapshot();
        var healthy = states.All(s => s.Status != ListenerState.Faulted);
        return Task.FromResult(HttpTriggerResponse.Json(
            new HealthReport(healthy ? "ok" : "unhealthy", ProductVersion, storage.Blobs.Uri.ToString(), storage.Queues.Uri.ToString(), storage.Tables.Uri.ToString(), states),
            healthy ? 200 : 503));
    }
}
