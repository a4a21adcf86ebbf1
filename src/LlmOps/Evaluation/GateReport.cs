namespace LlmOps.Evaluation;

/// <summary>
/// The evidence of a release decision: which candidate was compared with which baseline (none for a first release),
/// on which evaluation set, by which runs, each gated metric with its interval and threshold, and the outcome. Stored
/// as JSON in the reports container and as a lineage node (<see cref="Id"/>, <c>gate:{feature}/{ulid}</c>).
/// </summary>
public sealed record GateReport(
    string Id,
    string Feature,
    string Candidate,
    string? Baseline,
    string Dataset,
    int Examples,
    string CandidateRun,
    string? BaselineRun,
    string Model,
    double Confidence,
    IReadOnlyList<GateRow> Rows,
    DateTimeOffset At)
{
    public bool Passed => Rows.All(r => r.Passed);

    public IEnumerable<string> Failures => Rows.Where(r => !r.Passed).Select(r => $"{r.Metric}: {r.Failure}");
}
