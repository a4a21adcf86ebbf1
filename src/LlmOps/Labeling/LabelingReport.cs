using System.Text.Json.Serialization;

namespace LlmOps.Labeling;

/// <summary>
/// The QA of a project's labels: per field agreement and gate, per annotator quality, the adjudication list, and the
/// decision: <see cref="Publishable"/> only when every gated field reaches its publish threshold, every annotator with
/// gold items reaches the minimum gold accuracy, and every item in the adjudication list has a decision;
/// <see cref="Reasons"/> says what stops it. <see cref="Consensus"/> (one value per item and field) goes to the labeled
/// version, not into the report's JSON.
/// </summary>
public sealed record LabelingReport(
    string Project,
    DateTimeOffset At,
    int Items,
    int Labels,
    IReadOnlyList<string> Annotators,
    string ConsensusMethod,
    IReadOnlyList<FieldAgreement> Fields,
    IReadOnlyList<AnnotatorQuality> AnnotatorQuality,
    IReadOnlyList<AdjudicationItem> Adjudication,
    bool Publishable,
    IReadOnlyList<string> Reasons)
{
    [JsonIgnore]
    public IReadOnlyList<ConsensusValue> Consensus { get; init; } = [];

    /// <summary>Stored answers that no longer fit the project (an annotator, field or value since removed from the lifecycle).</summary>
    public int IgnoredLabels { get; init; }
}
