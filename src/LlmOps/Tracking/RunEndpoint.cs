using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Tracking;

/// <summary>
/// GET /api/runs/{id}: one run with its params, tags, inputs, latest metrics and artifacts; ?metric=KEY adds that metric's
/// history. Errors are <see cref="LlmOpsException"/>s, which the host turns into problem details.
/// </summary>
public sealed class RunEndpoint(ExperimentTracker tracker, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        await governance.DemandReadAsync(null, "read a run", cancellationToken);
        ArgumentNullException.ThrowIfNull(request);
        var id = Uri.UnescapeDataString(request.RouteValues.GetValueOrDefault("id") ?? "");
        var run = await tracker.GetRunAsync(id, cancellationToken) ?? throw LlmOpsException.NotFound($"There is no run {id}.");

        if (request.Query.GetValueOrDefault("metric") is not { Length: > 0 } metric)
        {
            return HttpTriggerResponse.Json(run);
        }

        return HttpTriggerResponse.Json(new { Run = run, Metric = metric, History = await tracker.GetMetricHistoryAsync(id, metric, cancellationToken) });
    }
}
