namespace LlmOps.Feedback;

/// <summary><c>quality.cost_per_request</c>: each answer's cost: a relative rise of the mean.</summary>
public sealed class CostPerRequestSignal(FeedbackAnalytics analytics) : FeedbackSignalSource(analytics)
{
    public override string Signal => "quality.cost_per_request";

    public override bool Relative => true;

    protected override string ValueSql => "t.CostUsd";
}
