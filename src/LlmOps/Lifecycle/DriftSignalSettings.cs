namespace LlmOps.Lifecycle;

/// <summary>
/// One entry of the lifecycle's <c>drift.signals</c>: which signal (<c>column:&lt;field&gt;</c>, <c>text.token_length</c>,
/// <c>text.oov_rate</c>, <c>text.language_mix</c>, <c>embeddings.centroid_shift</c>, <c>embeddings.mmd</c>,
/// <c>embeddings.domain_classifier</c>, <c>quality.retrieval_relevance</c> or another <c>quality.</c> source), an optional test override, warn and alert thresholds, and the action an alert
/// triggers (<c>reindex</c>, <c>retrain</c>, <c>prompt_review</c>).
/// </summary>
public sealed record DriftSignalSettings(string Signal, string? Test, double? Warn, double? Alert, string? Action)
{
    public static IReadOnlyList<string> Actions { get; } = ["reindex", "retrain", "prompt_review"];

    public static IReadOnlyList<string> Tests { get; } = ["ks", "wasserstein", "psi", "chi_square", "jensen_shannon", "oov_rate", "centroid_cosine", "mmd", "domain_classifier", "mean_drop", "mean_rise", "mean_rise_relative", "p95_rise_relative"];

    /// <summary>Tests whose value is a p-value: drift shows as a value below the thresholds.</summary>
    public static bool LowerIsWorse(string test) => test is "ks" or "chi_square" or "mmd";

    public static IReadOnlyList<string> NamedSignals { get; } =
        ["text.token_length", "text.oov_rate", "text.language_mix", "embeddings.centroid_shift", "embeddings.mmd", "embeddings.domain_classifier", "quality.retrieval_relevance"];
}
