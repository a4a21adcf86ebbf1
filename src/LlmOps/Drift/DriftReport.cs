namespace LlmOps.Drift;

/// <summary>
/// One drift check of one source of a feature (<c>drift:support-answers/01JD...</c>): the versions compared, every
/// signal's result, whether the dataset drifted, and the actions sent or held back by the cool-down.
/// </summary>
public sealed record DriftReport(
    string Id,
    string Feature,
    string Source,
    string Reference,
    string ReferenceReason,
    string Current,
    string? ReferenceIndex,
    string? CurrentIndex,
    DateTimeOffset CheckedAt,
    IReadOnlyList<DriftCheck> Checks,
    bool DatasetDrift,
    IReadOnlyList<DriftAction> ActionsSent,
    IReadOnlyList<string> ActionsHeldBack)
{
    public string Folder => $"drift/{Feature}/{Id[(Id.LastIndexOf('/') + 1)..]}/";
}
