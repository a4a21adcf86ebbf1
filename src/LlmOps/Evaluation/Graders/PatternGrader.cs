using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>Whether the answer matches a regular expression (from the lifecycle's <c>evaluation.regex</c>), on every example.</summary>
public sealed class PatternGrader(Regex pattern) : CodeGrader
{
    public override IReadOnlyCollection<string> EvaluationMetricNames { get; } = [EvalMetrics.RegexMatch];

    protected override void Grade(string answer, ChatResponse response, GradingContext context, List<EvaluationMetric> metrics) =>
        metrics.Add(Pass(EvalMetrics.RegexMatch, pattern.IsMatch(answer)));
}
