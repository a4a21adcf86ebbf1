namespace LlmOps.Lifecycle;

/// <summary>
/// The lifecycle's <c>embedding</c> section: which provider embeds the chunks (<c>local</c>, the offline default, or
/// <c>azure-openai</c>), the model (for Azure, the deployment name unless <see cref="Deployment"/> says otherwise),
/// the vector size, and the request limits batches are cut to.
/// </summary>
public sealed record EmbeddingSettings(string Provider, string Model, int Dimensions, string? Deployment, int MaxBatchInputs, int MaxBatchTokens)
{
    public const string Local = "local";
    public const string AzureOpenAI = "azure-openai";

    /// <summary>What a lifecycle without an embedding section gets: the local lexical embedder at 384 dimensions.</summary>
    public static EmbeddingSettings Default { get; } = new(Local, "lexical-ngram", 384, null, 2048, 300_000);
}
