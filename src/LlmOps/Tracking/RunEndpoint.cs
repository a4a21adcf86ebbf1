using LlmOps.Triggers;

namespace LlmOps.Tracking;

/// <summary>GET /api/runs/{id}: one run with its params, tags, inputs, latest metrics and artifacts; ?metric=KEY adds that metric's history.</summary>
public sealed class RunEndpoint(ExperimentTracker tracker) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Uri.UnescapeDataString(request.RouteValues.GetValueOrDefault("id") ?? "");
        RunDetails? run;
        try
        {
            run = await tracker.GetRunAsync(id, cancellationToken);
        }
        catch (FormatException ex)
        {
            return HttpTriggerResponse.Problem(400, "Bad run id", ex.Message);
        }

        if (run is null)
        {
            return HttpTriggerResponse.Problem(404, "No such run", $"There is no run {id}.");
        }

        if (request.Query.GetValueOrDefault("metric") is not { Length: > 0 } metric)
        {
            return HttpTriggerResponse.Json(run);
        }

        try
        {
            return HttpTriggerResponse.Json(new { Run = run, Metric = metric, History = await tracker.GetMetricHistoryAsync(id, metric, cancellationToken) });
        }
        catch (ArgumentException ex)
        {
            return HttpTriggerResponse.Problem(400, "Bad metric name", ex.Message);
        }
    }
}
