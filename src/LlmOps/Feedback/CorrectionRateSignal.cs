namespace LlmOps.Feedback;

/// <summary><c>quality.correction_rate</c>: 1 for an answer someone corrected: a rise of the rate.</summary>
public sealed class CorrectionRateSignal(FeedbackAnalytics analytics) : FeedbackSignalSource(analytics)
{
    public override string Signal => "quality.correction_rate";

    protected override string ValueSql => "coalesce(s.corrected, 0)";
}
