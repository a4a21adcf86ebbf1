namespace LlmOps.Embeddings;

/// <summary>One search result: cosine similarity to the query and the chunk it belongs to.</summary>
public sealed record SearchHit(float Score, IndexedChunk Chunk);
