namespace LlmOps.Lifecycle;

/// <summary>
/// The lifecycle's <c>embedding</c> section: which provider embeds the chunks (<c>local</c>, offline, or
/// <c>azure-openai</c>), the model (locally <c>all-minilm-l6-v2</c>, the semantic default, or <c>lexical-ngram</c>,
/// the fast word-overlap one; for Azure, the deployment name unless <see cref="Deployment"/> says otherwise), the
/// vector size, the request limits batches are cut to, and the store search runs on (<c>exact</c>, our shard index,
/// or <c>azure-ai-search</c>, which mirrors the newest index version of each source).
/// </summary>
public sealed record EmbeddingSettings(string Provider, string Model, int Dimensions, string? Deployment, int MaxBatchInputs, int MaxBatchTokens, string Store = EmbeddingSettings.ExactStore)
{
    /// <summary>Exact top-k over the index version's shards in blob storage: the embedded default.</summary>
    public const string ExactStore = "exact";

    /// <summary>Azure AI Search (HNSW, cosine), kept in step with the newest index version of each source.</summary>
    public const string AzureAISearchStore = "azure-ai-search";

    public const string Local = "local";
    public const string AzureOpenAI = "azure-openai";

    /// <summary>The local semantic model (ONNX all-MiniLM-L6-v2) and the size of its vectors.</summary>
    public const string MiniLmModel = "all-minilm-l6-v2";

    public const int MiniLmDimensions = 384;

    /// <summary>The local word-overlap model (hashed word and character n-grams).</summary>
    public const string LexicalModel = "lexical-ngram";

    /// <summary>
    /// What a lifecycle without an embedding section gets: the local all-MiniLM-L6-v2 model, 384 dimensions, up to 1,024
    /// texts per request (the model orders a request's texts by length and encodes them 64 at a time, so a bigger request
    /// pads less).
    /// </summary>
    public static EmbeddingSettings Default { get; } = new(Local, MiniLmModel, MiniLmDimensions, null, 1024, 300_000);

    /// <summary>The fast local option: hashed word and character n-grams (word overlap, not meaning).</summary>
    public static EmbeddingSettings Lexical { get; } = new(Local, LexicalModel, 384, null, 2048, 300_000);
}
