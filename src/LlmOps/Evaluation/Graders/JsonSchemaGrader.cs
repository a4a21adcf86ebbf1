using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using NJsonSchema;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// Whether the answer is JSON valid against a JSON Schema (from the lifecycle's <c>evaluation.json_schema</c>),
/// validated by NJsonSchema; the first problems are the metric's reason. A fenced block (```json ... ```) is unwrapped first.
/// </summary>
public sealed class JsonSchemaGrader(JsonSchema schema) : CodeGrader
{
    public override IReadOnlyCollection<string> EvaluationMetricNames { get; } = [EvalMetrics.JsonValid];

    public static async Task<JsonSchemaGrader> FromJsonAsync(string schemaJson) => new(await JsonSchema.FromJsonAsync(schemaJson));

    /// <summary>The schema problems of <paramref name="answer"/>, empty when it is valid JSON that the schema accepts.</summary>
    public IReadOnlyList<string> Problems(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var json = Unfenced(answer);
        if (!CouldBeJson(json))
        {
            return ["not JSON: it does not start like a JSON value"];
        }

        try
        {
            return [.. schema.Validate(json).Select(e => $"{(string.IsNullOrEmpty(e.Path) ? "#" : e.Path)}: {e.Kind}")];
        }
        catch (Newtonsoft.Json.JsonException ex)
        {
            return [$"not JSON: {ex.Message}"];
        }
    }

    protected override void Grade(string answer, ChatResponse response, GradingContext context, List<EvaluationMetric> metrics)
    {
        var problems = Problems(answer);
        metrics.Add(Pass(EvalMetrics.JsonValid, problems.Count == 0, problems.Count == 0 ? null : string.Join("; ", problems.Take(3))));
    }

    /// <summary>Whether the text starts as a JSON value can, so most prose is told apart without a parse that throws.</summary>
    private static bool CouldBeJson(string text) =>
        text.Length > 0 && (text[0] is '{' or '[' or '"' or '-' || char.IsAsciiDigit(text[0]) || text is "true" or "false" or "null");

    private static string Unfenced(string answer)
    {
        var text = answer.Trim();
        if (!text.StartsWith("```", StringComparison.Ordinal))
        {
            return text;
        }

        var firstLine = text.IndexOf('\n', StringComparison.Ordinal);
        var closing = text.LastIndexOf("```", StringComparison.Ordinal);
        return firstLine > 0 && closing > firstLine ? text[(firstLine + 1)..closing].Trim() : text;
    }
}
