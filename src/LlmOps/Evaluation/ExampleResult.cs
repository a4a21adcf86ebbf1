namespace LlmOps.Evaluation;

/// <summary>One example's outcome: the answer, the chunks retrieved, the error when there is no answer, each metric's value (pass/fail as 1 or 0) and the graders' reasons.</summary>
public sealed record ExampleResult(
    string Id,
    string Answer,
    IReadOnlyList<string> Retrieved,
    string? Error,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Reasons);
