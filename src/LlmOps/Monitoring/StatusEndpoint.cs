using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>
/// GET /api/status: what `llmops status` reads from storage, over HTTP: per function its backlog and oldest message,
/// poisoned inputs, a timer's last and next run and what needs attention; the newest heartbeat.
/// </summary>
public sealed class StatusEndpoint(OperationsStatus status, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        await governance.DemandReadAsync(null, "read the operations status", cancellationToken);
        var report = await status.GetAsync(cancellationToken);
        return HttpTriggerResponse.Json(new { report.At, report.NeedsAttention, report.Functions, report.LastHeartbeat, report.HeartbeatMachine });
    }
}
