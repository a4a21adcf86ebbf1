namespace LlmOps.Feedback;

/// <summary><c>quality.answer_quality</c>: the thumbs-up of each rated answer (1 up, 0 down): a drop of the rate.</summary>
public sealed class AnswerQualitySignal(FeedbackAnalytics analytics) : FeedbackSignalSource(analytics)
{
    public override string Signal => "quality.answer_quality";

    public override bool HigherIsBetter => true;

    protected override string ValueSql => "s.thumbs";
}
