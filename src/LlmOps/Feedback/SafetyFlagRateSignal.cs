namespace LlmOps.Feedback;

/// <summary><c>quality.safety_flag_rate</c>: 1 for an answer with a safety flag (a PII leak, say): a rise of the rate.</summary>
public sealed class SafetyFlagRateSignal(FeedbackAnalytics analytics) : FeedbackSignalSource(analytics)
{
    public override string Signal => "quality.safety_flag_rate";

    protected override string ValueSql => "CASE WHEN coalesce(t.SafetyFlags, '') <> '' THEN 1 ELSE 0 END";
}
