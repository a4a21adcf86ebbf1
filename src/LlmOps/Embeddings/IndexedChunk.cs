namespace LlmOps.Embeddings;

/// <summary>
/// What an index keeps beside each vector: the chunk's stable id, its record, the hash of its text, the model that
/// embedded it, its language, text and the record's fields (for filters).
/// </summary>
public sealed record IndexedChunk(
    string ChunkId,
    string RecordId,
    string ContentHash,
    string Model,
    string? Language,
    string Text,
    IReadOnlyDictionary<string, string> Fields);
