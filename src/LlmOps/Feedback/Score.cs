namespace LlmOps.Feedback;

/// <summary>
/// Feedback on a trace, shaped as Langfuse's scores: <see cref="Id"/> (the idempotency key), the trace (and
/// optionally the chunk) it is about, a name, a data type (NUMERIC, CATEGORICAL, BOOLEAN) with its value (a number,
/// 1/0 for a boolean) or category, the source (HUMAN, LLM_JUDGE, CODE), a comment, a corrected answer, and when.
/// Names with a meaning in the statistics: <c>thumbs_up</c> (BOOLEAN), <c>escalated</c> (BOOLEAN); a score with a
/// correction counts as a correction.
/// </summary>
public sealed record Score(
    string Id,
    string TraceId,
    string? ChunkId,
    string Name,
    string DataType,
    double? Value,
    string? StringValue,
    string Source,
    string? Comment,
    string? Correction,
    DateTimeOffset Time)
{
    public const string Numeric = "NUMERIC";
    public const string Categorical = "CATEGORICAL";
    public const string Boolean = "BOOLEAN";
    public const string Human = "HUMAN";
    public const string LlmJudge = "LLM_JUDGE";
    public const string Code = "CODE";
    public const string ThumbsUp = "thumbs_up";
    public const string Escalated = "escalated";

    public static IReadOnlyList<string> DataTypes { get; } = [Numeric, Categorical, Boolean];

    public static IReadOnlyList<string> Sources { get; } = [Human, LlmJudge, Code];
}
