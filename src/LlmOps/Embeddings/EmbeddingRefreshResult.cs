namespace LlmOps.Embeddings;

/// <summary>What a refresh did: the index version, whether it was built now, what it asked of the provider, and what it sent to Azure AI Search (null with the exact store).</summary>
public sealed record EmbeddingRefreshResult(EmbeddingIndexManifest Index, bool Created, long Embedded, long Reused, long ProviderRequests, SearchMirrorResult? Mirrored = null);
