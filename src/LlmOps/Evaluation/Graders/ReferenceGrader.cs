using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// The answer against the expected answer, on normalized tokens (<see cref="AnswerText"/>): exact match, token F1 and
/// answer-contains-expected as the SQuAD evaluation computes them, and ROUGE-L (the F-measure of the longest common
/// subsequence of tokens, β = 1). Examples without an expected answer get none of these.
/// </summary>
public sealed class ReferenceGrader : CodeGrader
{
    public override IReadOnlyCollection<string> EvaluationMetricNames { get; } = [EvalMetrics.ExactMatch, EvalMetrics.TokenF1, EvalMetrics.RougeL, EvalMetrics.Contains];

    public static double TokenF1(IReadOnlyList<string> answer, IReadOnlyList<string> expected)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(expected);
        if (answer.Count == 0 || expected.Count == 0)
        {
            return answer.Count == expected.Count ? 1 : 0;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in expected)
        {
            counts[token] = counts.GetValueOrDefault(token) + 1;
        }

        var common = 0;
        foreach (var token in answer)
        {
            if (counts.TryGetValue(token, out var left) && left > 0)
            {
                counts[token] = left - 1;
                common++;
            }
        }

        if (common == 0)
        {
            return 0;
        }

        var precision = (double)common / answer.Count;
        var recall = (double)common / expected.Count;
        return 2 * precision * recall / (precision + recall);
    }

    public static double RougeL(IReadOnlyList<string> answer, IReadOnlyList<string> expected)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(expected);
        if (answer.Count == 0 || expected.Count == 0)
        {
            return 0;
        }

        // One row of the LCS table at a time.
        var previous = new int[expected.Count + 1];
        var current = new int[expected.Count + 1];
        for (var i = 1; i <= answer.Count; i++)
        {
            for (var j = 1; j <= expected.Count; j++)
            {
                current[j] = string.Equals(answer[i - 1], expected[j - 1], StringComparison.Ordinal)
                    ? previous[j - 1] + 1
                    : Math.Max(previous[j], current[j - 1]);
            }

            (previous, current) = (current, previous);
        }

        var lcs = previous[expected.Count];
        if (lcs == 0)
        {
            return 0;
        }

        var precision = (double)lcs / answer.Count;
        var recall = (double)lcs / expected.Count;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>Whether the expected tokens appear in the answer as one contiguous run.</summary>
    public static bool ContainsRun(IReadOnlyList<string> answer, IReadOnlyList<string> expected)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Count == 0)
        {
            return true;
        }

        for (var start = 0; start + expected.Count <= answer.Count; start++)
        {
            var at = 0;
            while (at < expected.Count && string.Equals(answer[start + at], expected[at], StringComparison.Ordinal))
            {
                at++;
            }

            if (at == expected.Count)
            {
                return true;
            }
        }

        return false;
    }

    protected override void Grade(string answer, ChatResponse response, GradingContext context, List<EvaluationMetric> metrics)
    {
        if (context.Example?.Expected is not { } expectedText)
        {
            return;
        }

        var tokens = AnswerText.Tokens(answer);
        var expected = AnswerText.Tokens(expectedText);
        metrics.Add(Pass(EvalMetrics.ExactMatch, tokens.SequenceEqual(expected, StringComparer.Ordinal)));
        metrics.Add(Score(EvalMetrics.TokenF1, TokenF1(tokens, expected)));
        metrics.Add(Score(EvalMetrics.RougeL, RougeL(tokens, expected)));
        metrics.Add(Pass(EvalMetrics.Contains, ContainsRun(tokens, expected)));
    }
}
