using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// Citations in the answer, written <c>[source:id#0000]</c> (a chunk id in brackets): present when there is at least
/// one, valid when there is at least one and every one names a chunk the target retrieved for this example. Graded
/// only where something was retrieved.
/// </summary>
public sealed partial class CitationGrader : CodeGrader
{
    public override IReadOnlyCollection<string> EvaluationMetricNames { get; } = [EvalMetrics.CitationsPresent, EvalMetrics.CitationsValid];

    /// <summary>The chunk ids cited in <paramref name="answer"/>, in order, without repeats.</summary>
    public static IReadOnlyList<string> Cited(string answer) =>
        [.. Citation().Matches(answer ?? "").Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>Removes citation markers, so other graders see the answer's words only.</summary>
    public static string WithoutCitations(string answer) =>
        string.IsNullOrEmpty(answer) || !answer.Contains('[', StringComparison.Ordinal) ? answer ?? "" : Citation().Replace(answer, "");

    protected override void Grade(string answer, ChatResponse response, GradingContext context, List<EvaluationMetric> metrics)
    {
        if (context.Retrieved.Count == 0)
        {
            return;
        }

        var cited = Cited(answer);
        var retrieved = context.Retrieved.Select(c => c.ChunkId).ToHashSet(StringComparer.Ordinal);
        var unknown = cited.Where(c => !retrieved.Contains(c)).ToList();
        metrics.Add(Pass(EvalMetrics.CitationsPresent, cited.Count > 0));
        metrics.Add(Pass(EvalMetrics.CitationsValid, cited.Count > 0 && unknown.Count == 0,
            cited.Count == 0 ? "no citation" : unknown.Count > 0 ? "cites chunks that were not retrieved: " + string.Join(", ", unknown.Take(3)) : null));
    }

    [GeneratedRegex(@"\[([A-Za-z0-9_.\-]+:[^\[\]\s]+#[0-9]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex Citation();
}
