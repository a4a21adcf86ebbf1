namespace LlmOps.Drift;

/// <summary>
/// A message on the <c>actions</c> queue: what to do (reindex, retrain, prompt_review) for which feature, and the
/// evidence: the signal, its value and threshold, the versions compared and the report (its path, and its id in lineage).
/// </summary>
public sealed record DriftAction(
    string Feature,
    string Action,
    string Signal,
    string Test,
    double Value,
    double Threshold,
    string Reference,
    string Current,
    string Report,
    DateTimeOffset CheckedAt,
    string? ReportId = null);
