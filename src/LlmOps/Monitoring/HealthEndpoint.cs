using System.Reflection;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>GET /api/health: the product version and the storage endpoints this instance talks to.</summary>
public sealed class HealthEndpoint(StorageAccount storage) : IHttpTriggerHandler
{
    public static string ProductVersion { get; } =
        typeof(HealthEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(HealthEndpoint).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    public Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(HttpTriggerResponse.Json(new HealthReport(
            "ok",
            ProductVersion,
            storage.Blobs.Uri.ToString(),
            storage.Queues.Uri.ToString(),
            storage.Tables.Uri.ToString())));
}
