namespace LlmOps.Feedback;

/// <summary><c>quality.escalation_rate</c>: 1 for an answer escalated to a person: a rise of the rate.</summary>
public sealed class EscalationRateSignal(FeedbackAnalytics analytics) : FeedbackSignalSource(analytics)
{
    public override string Signal => "quality.escalation_rate";

    protected override string ValueSql => "coalesce(s.escalated, 0)";
}
