namespace LlmOps.Labeling;

/// <summary>
/// A task set as written under <c>labels/{project}/tasks/{set}/manifest.json</c>: where its items came from, how they
/// were drawn (seed, filter, sample), which are gold (the task files do not say), and each annotator's items.
/// </summary>
public sealed record TaskSetManifest(
    string Id,
    string Project,
    string? Dataset,
    string? Filter,
    int Seed,
    int Overlap,
    IReadOnlyList<string> Items,
    IReadOnlyList<string> Gold,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Assignments,
    DateTimeOffset CreatedAt)
{
    /// <summary>The task set's lineage node: <c>tasks:{project}@{set}</c>.</summary>
    public string Node => $"tasks:{Project}@{Id}";
}
