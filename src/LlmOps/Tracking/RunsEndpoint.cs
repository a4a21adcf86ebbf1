using LlmOps.Triggers;

namespace LlmOps.Tracking;

/// <summary>GET /api/runs?experiment=NAME: runs newest first; without a filter, the experiments and their run counts too.</summary>
public sealed class RunsEndpoint(ExperimentTracker tracker, Governance.ChangeControl governance) : IHttpTriggerHandler
{
    public async Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        await governance.DemandReadAsync(null, "list runs", cancellationToken);
        ArgumentNullException.ThrowIfNull(request);
        var experiment = request.Query.GetValueOrDefault("experiment") is { Length: > 0 } e ? e : null;
        var runs = await tracker.ListRunsAsync(experiment, cancellationToken).ToListAsync(cancellationToken);
        return experiment is null
            ? HttpTriggerResponse.Json(new { Experiments = await tracker.ListExperimentsAsync(cancellationToken).ToListAsync(cancellationToken), Runs = runs })
            : HttpTriggerResponse.Json(new { Experiment = experiment, Runs = runs });
    }
}
