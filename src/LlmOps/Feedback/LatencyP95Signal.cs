namespace LlmOps.Feedback;

/// <summary><c>quality.latency_p95</c>: each answer's latency: a relative rise of the 95th percentile.</summary>
public sealed class LatencyP95Signal(FeedbackAnalytics analytics) : FeedbackSignalSource(analytics)
{
    public override string Signal => "quality.latency_p95";

    public override double? Quantile => 0.95;

    public override bool Relative => true;

    protected override string ValueSql => "t.LatencyMs";
}
