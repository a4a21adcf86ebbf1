using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// A grader that computes its metrics from the answer text and the contexts alone (no model call): the
/// <see cref="IEvaluator"/> shape of Microsoft.Extensions.AI.Evaluation, so graders of that library and ours mix.
/// A metric that does not apply to an example (no expected answer, say) is left out of the result.
/// </summary>
public abstract class CodeGrader : IEvaluator
{
    public abstract IReadOnlyCollection<string> EvaluationMetricNames { get; }

    public ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelResponse);
        var context = new GradingContext(additionalContext);
        var metrics = new List<EvaluationMetric>();
        if (context.Response?.Error is null)
        {
            Grade(modelResponse.Text, modelResponse, context, metrics);
        }

        return ValueTask.FromResult(new EvaluationResult(metrics));
    }

    /// <summary>Adds this grader's metrics for one answer to <paramref name="metrics"/>.</summary>
    protected abstract void Grade(string answer, ChatResponse response, GradingContext context, List<EvaluationMetric> metrics);

    protected static BooleanMetric Pass(string name, bool passed, string? reason = null) =>
        new(name, passed, reason) { Interpretation = new EvaluationMetricInterpretation(passed ? EvaluationRating.Good : EvaluationRating.Unacceptable, !passed, reason) };

    protected static NumericMetric Score(string name, double value, string? reason = null) => new(name, value, reason);
}
