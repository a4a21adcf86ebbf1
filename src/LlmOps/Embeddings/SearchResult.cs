namespace LlmOps.Embeddings;

/// <summary>The answer to a search: the index searched, how many chunks passed the filters, the hits, best first, and the vector store that answered (<c>exact</c> or <c>azure-ai-search</c>).</summary>
public sealed record SearchResult(string Query, string IndexId, string Model, int Candidates, IReadOnlyList<SearchHit> Hits, string Store = Lifecycle.EmbeddingSettings.ExactStore);
