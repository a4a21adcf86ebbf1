
namespace LlmOps.Lifecycle;

/// <summary>
/// A labeling project from the lifecycle's <c>labeling</c> section: where its items come from (a dataset's records,
/// optionally filtered, or review batches), the label schema, who labels, how many labels per item
/// (<see cref="Overlap"/>), the share of gold items mixed in and the minimum gold accuracy, how labels become one
/// (<see cref="Consensus"/>), and below which consensus confidence an item goes to adjudication.
/// </summary>
public sealed record LabelingProject(
    string Name,
    string? Dataset,
    string? Filter,
    bool ReviewBatches,
    int? Sample,
    int Seed,
    IReadOnlyList<LabelField> Fields,
    IReadOnlyList<string> Annotators,
    int Overlap,
    double GoldShare,
    string GoldSource,
    double MinGoldAccuracy,
    ConsensusMethod Consensus,
    double AdjudicateBelow)
{
    public LabelField? Field(string name) => Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}
