using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Registry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// LLM-as-judge on a rubric: the judge's prompt is a registered prompt version whose template may use
/// <c>{{input}}</c>, <c>{{answer}}</c>, <c>{{context}}</c> and <c>{{expected}}</c>; the judge answers JSON
/// <c>{"relevance": 1-5, "groundedness": 1-5, "coherence": 1-5}</c> (a fenced block or "relevance: 4" lines are
/// read too). Each score is a metric <c>judge_relevance</c>...; a judge call that fails or answers no score is
/// <c>judge_error</c> with the reason, never a made-up score.
/// </summary>
public sealed partial class JudgeGrader(RegistryVersion rubric) : IEvaluator
{
    public const string ErrorMetric = "judge_error";
    public static readonly IReadOnlyList<string> Dimensions = ["relevance", "groundedness", "coherence"];

    public IReadOnlyCollection<string> EvaluationMetricNames { get; } = [.. Dimensions.Select(d => EvalMetrics.JudgePrefix + d), ErrorMetric];

    public RegistryVersion Rubric { get; } = rubric;

    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelResponse);
        var judge = chatConfiguration?.ChatClient ?? throw new InvalidOperationException("The judge grader needs a chat configuration with the judge model.");
        var context = new GradingContext(additionalContext);
        if (context.Response?.Error is not null)
        {
            return new EvaluationResult();
        }

        var prompt = PromptTemplate.Render(Rubric.Template ?? "", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["input"] = context.Example?.Input ?? "",
            ["answer"] = modelResponse.Text,
            ["context"] = string.Join("\n\n", context.Retrieved.Select(c => $"[{c.ChunkId}] {c.Text}")),
            ["expected"] = context.Example?.Expected ?? "",
        });
        string verdict;
        try
        {
            var response = await judge.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0 }, cancellationToken);
            if (response.FinishReason == ChatFinishReason.ContentFilter)
            {
                return Failed("content_filter: the judge's answer was filtered");
            }

            verdict = response.Text;
        }
        catch (System.ClientModel.ClientResultException ex) when (ex.Status is not (401 or 403 or 404))
        {
            return Failed(ex.Status == 400 && ex.Message.Contains("content_filter", StringComparison.OrdinalIgnoreCase)
                ? "content_filter: the judge's prompt was filtered"
                : $"the judge answered {ex.Status}: {ex.Message.Split('\n', 2)[0]}");
        }

        var scores = ParseScores(verdict);
        if (scores.Count == 0)
        {
            return Failed("the judge gave no 1-5 score: " + (verdict.Length > 200 ? verdict[..200] : verdict));
        }

        return new EvaluationResult([.. scores.Select(s => (EvaluationMetric)new NumericMetric(EvalMetrics.JudgePrefix + s.Key, s.Value))]);
    }

    /// <summary>The 1-5 scores of the rubric's dimensions in a judge's answer.</summary>
    public static IReadOnlyDictionary<string, double> ParseScores(string verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var json = JsonObject().Match(verdict);
        if (json.Success)
        {
            try
            {
                using var document = JsonDocument.Parse(json.Value);
                foreach (var dimension in Dimensions)
                {
                    if (document.RootElement.TryGetProperty(dimension, out var value) && value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 1 and <= 5 and var score)
                    {
                        scores[dimension] = score;
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: the line form below.
            }
        }

        foreach (var dimension in Dimensions.Where(d => !scores.ContainsKey(d)))
        {
            var line = Regex.Match(verdict, $@"\b{dimension}\b\W{{0,5}}([1-5])(?:\.0)?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            if (line.Success)
            {
                scores[dimension] = double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        return scores;
    }

    private static EvaluationResult Failed(string reason) => new(new StringMetric(ErrorMetric, reason, reason));

    [GeneratedRegex(@"\{[^{}]*\}", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex JsonObject();
}
