using LlmOps.Lifecycle;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;

namespace LlmOps.Tests.Registry;

public sealed class ReleaseGateEvaluatorTests
{
    private static readonly LifecycleDefinition Lifecycle = new LifecycleBuilder("gated")
        .Section("""
            gates:
              promote:
                - { metric: accuracy, min: 0.8 }
                - { metric: latency_ms, max: 500 }
            """)
        .Parse();

    private static readonly RegistryVersion Version = new("model:bot/3", "model:bot", 3, "run:01JD0000000000000000000001", "model.bin", null, [], null, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, "test");

    [Fact]
    public void FinishedRunWithinEveryGate_Passes()
    {
        var decision = ReleaseGateEvaluator.Evaluate(Version, Run(RunStatus.Finished, ("accuracy", 0.8), ("latency_ms", 500)), Lifecycle);

        Assert.True(decision.Passed);
        Assert.Equal(("model:bot/3", "gated"), (decision.VersionId, decision.Feature));
    }

    [Fact]
    public void EveryFailingGate_OneLineEach_RunningRunAndMissingMetricIncluded()
    {
        var decision = ReleaseGateEvaluator.Evaluate(Version, Run(RunStatus.Running, ("accuracy", 0.79)), Lifecycle);

        Assert.False(decision.Passed);
        Assert.Equal(3, decision.Failures.Count);
        Assert.Contains("RUNNING", decision.Failures[0], StringComparison.Ordinal);
        Assert.Contains("'accuracy' = 0.79 is below min 0.8", decision.Failures[1], StringComparison.Ordinal);
        Assert.Contains("'latency_ms' was not logged", decision.Failures[2], StringComparison.Ordinal);
    }

    [Fact]
    public void RunGone_Refused_NaNMetricNeverPasses()
    {
        Assert.Contains("no longer exists", ReleaseGateEvaluator.Evaluate(Version, null, Lifecycle).Failures[0], StringComparison.Ordinal);
        Assert.False(ReleaseGateEvaluator.Evaluate(Version, Run(RunStatus.Finished, ("accuracy", double.NaN), ("latency_ms", 1)), Lifecycle).Passed);
    }

    private static RunDetails Run(RunStatus status, params (string Key, double Value)[] metrics) => new(
        new RunInfo(Version.RunId, "exp", "run", status, DateTimeOffset.UnixEpoch, null, null, "test"),
        new Dictionary<string, string>(),
        new Dictionary<string, string>(),
        [],
        metrics.ToDictionary(m => m.Key, m => new MetricPoint(m.Key, m.Value, 0, DateTimeOffset.UnixEpoch)),
        []);
}
