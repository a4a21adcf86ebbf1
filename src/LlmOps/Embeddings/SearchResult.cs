namespace LlmOps.Embeddings;

/// <summary>The answer to a search: the index searched, how many chunks passed the filters, and the hits, best first.</summary>
public sealed record SearchResult(string Query, string IndexId, string Model, int Candidates, IReadOnlyList<SearchHit> Hits);
