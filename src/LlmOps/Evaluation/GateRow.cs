namespace LlmOps.Evaluation;

/// <summary>
/// One metric of a gate check: the candidate's and the baseline's means, the paired comparison (null without a
/// baseline), the gate's requirement in words (null for a metric no gate names, shown for information), and whether
/// it passed, with the reason when it did not.
/// </summary>
public sealed record GateRow(
    string Metric,
    double? Candidate,
    double? Baseline,
    MetricComparison? Comparison,
    bool GreaterIsBetter,
    string? Requirement,
    bool Passed,
    string? Failure);
