using LlmOps.Lifecycle;
using LlmOps.Tracking;

namespace LlmOps.Registry;

/// <summary>
/// Decides whether a registered version may be promoted: its run must exist, be FINISHED, and have logged every
/// metric of the lifecycle's <c>gates.promote</c> within bounds. Pure: the registry reads what it needs and stores
/// the outcome; the decision itself touches no storage.
/// </summary>
public static class ReleaseGateEvaluator
{
    public static GateDecision Evaluate(RegistryVersion target, RunDetails? run, LifecycleDefinition lifecycle)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(lifecycle);
        var failures = new List<string>();
        if (run is null)
        {
            failures.Add($"its run {target.RunId} no longer exists");
        }
        else if (run.Info.Status != RunStatus.Finished)
        {
            failures.Add($"its run {run.Info.Id} is {run.Info.Status.ToString().ToUpperInvariant()}, not FINISHED");
        }

        foreach (var gate in lifecycle.PromotionGates)
        {
            if (gate.Check(run?.LatestMetrics.GetValueOrDefault(gate.Metric)?.Value) is { } failure)
            {
                failures.Add(failure);
            }
        }

        return new GateDecision(target.Id, lifecycle.Feature, failures);
    }
}

/// <summary>A release-gate decision on one version: passed when <see cref="Failures"/> is empty, else one line per failing gate.</summary>
public sealed record GateDecision(string VersionId, string Feature, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}
