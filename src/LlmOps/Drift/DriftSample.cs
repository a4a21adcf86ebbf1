namespace LlmOps.Drift;

/// <summary>What a drift check compares, reference against current: columns by type, texts, and embeddings.</summary>
public sealed class DriftSample
{
    public Dictionary<string, List<double>> Numeric { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<string>> Categorical { get; } = new(StringComparer.Ordinal);

    public List<string> Texts { get; } = [];

    public List<int> TokenCounts { get; } = [];

    public List<string> Languages { get; } = [];

    public List<float[]> Embeddings { get; } = [];

    /// <summary>The records sampled (embeddings of a windowed current sample are limited to their chunks).</summary>
    public HashSet<string> RecordIds { get; } = new(StringComparer.Ordinal);

    public int Rows { get; set; }
}
