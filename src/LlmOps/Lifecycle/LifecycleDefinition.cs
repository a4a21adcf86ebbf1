namespace LlmOps.Lifecycle;

/// <summary>
/// A feature's lifecycle file (ARCHITECTURE.md): sources, quality, preprocessing, gates and embedding are read
/// here; the other sections (experiments, drift, owners, retention) are kept as written for the capabilities that
/// read them.
/// </summary>
public sealed record LifecycleDefinition(
    string Feature,
    IReadOnlyList<SourceDefinition> Sources,
    QualitySettings Quality,
    PreprocessingSettings Preprocessing,
    IReadOnlyList<ReleaseGate> PromotionGates,
    EmbeddingSettings Embedding,
    IReadOnlyList<string> OtherSections)
{
    /// <summary>The source whose name is <paramref name="name"/>, or null.</summary>
    public SourceDefinition? Source(string name) => Sources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
}
