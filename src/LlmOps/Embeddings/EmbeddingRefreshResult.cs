namespace LlmOps.Embeddings;

/// <summary>What a refresh did: the index version, whether it was built now, and what it asked of the provider.</summary>
public sealed record EmbeddingRefreshResult(EmbeddingIndexManifest Index, bool Created, long Embedded, long Reused, long ProviderRequests);
