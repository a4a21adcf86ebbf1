namespace LlmOps.Evaluation;

/// <summary>
/// One example of an evaluation set: the input sent to the target, the expected answer (or reference) when there is
/// one, the chunk ids a good answer retrieves and cites, tags, and for a prompt-injection probe the canary string the
/// attack tries to make the target print.
/// </summary>
public sealed record EvalExample(
    string Id,
    string Input,
    string? Expected = null,
    IReadOnlyList<string>? Relevant = null,
    IReadOnlyList<string>? Tags = null,
    string? Canary = null,
    IReadOnlyDictionary<string, double>? HumanScores = null);
