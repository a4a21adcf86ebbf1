namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>evaluation</c> section: the evaluation set a release is gated on (a dataset version id, or a source name
/// whose latest version is used), how many chunks the target retrieves, how many examples run at once, the judge's
/// rubric prompt, the answer format graders (a regular expression, a JSON Schema), and for a labeled version the field
/// that holds the expected answer.
/// </summary>
public sealed record EvaluationSettings(
    string? Dataset,
    int K,
    int Concurrency,
    string? Judge,
    string? Regex,
    string? JsonSchema,
    string? ExpectedField)
{
    public static EvaluationSettings Default { get; } = new(null, 3, 8, null, null, null, null);
}
