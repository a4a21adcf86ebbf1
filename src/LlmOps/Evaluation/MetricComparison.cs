namespace LlmOps.Evaluation;

/// <summary>
/// One metric of a candidate against a baseline over the examples both have it for: the means, the mean of the paired
/// differences (candidate - baseline) with its bootstrap interval, and for a pass/fail metric McNemar's test on the
/// discordant pairs (<see cref="CandidateOnly"/> passed by the candidate alone, <see cref="BaselineOnly"/> by the baseline alone).
/// </summary>
public sealed record MetricComparison(
    string Metric,
    int Pairs,
    double Candidate,
    double Baseline,
    double Difference,
    double Low,
    double High,
    double Confidence,
    int? CandidateOnly = null,
    int? BaselineOnly = null,
    double? McNemarP = null);
