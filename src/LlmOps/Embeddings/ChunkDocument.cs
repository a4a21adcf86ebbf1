using System.Text.Json.Serialization;
using Microsoft.Extensions.VectorData;

namespace LlmOps.Embeddings;

/// <summary>
/// A chunk as a vector store keeps it: its key (the chunk id, base64url-encoded, since Azure AI Search keys take
/// letters, digits, '-', '_' and '=' only), the chunk's ids, language and text, the record's fields as
/// <c>name=value</c> tags (one filterable collection serves every record shape), the hash of its text (what an
/// incremental refresh compares), the index version that wrote it, and its unit vector.
/// </summary>
public sealed class ChunkDocument
{
    [VectorStoreKey]
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    [JsonPropertyName("chunk_id")]
    public string ChunkId { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    [JsonPropertyName("record_id")]
    public string RecordId { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    [JsonPropertyName("language")]
    public string? Language { get; set; }

    [VectorStoreData(IsIndexed = true)]
    [JsonPropertyName("fields")]
    public string[] Fields { get; set; } = [];

    [VectorStoreData]
    [JsonPropertyName("content_hash")]
    public string ContentHash { get; set; } = "";

    [VectorStoreData]
    [JsonPropertyName("model")]
    public string Model { get; set; } = "";

    [VectorStoreData]
    [JsonPropertyName("index_id")]
    public string IndexId { get; set; } = "";

    [VectorStoreData]
    [JsonPropertyName("text")]
    public string Text { get; set; } = "";

    /// <summary>The unit vector (its size is the index's; the attribute's is a placeholder the collection's schema overrides).</summary>
    [VectorStoreVector(384, DistanceFunction = DistanceFunction.CosineSimilarity, IndexKind = IndexKind.Hnsw)]
    [JsonPropertyName("vector")]
    public float[]? Vector { get; set; }

    /// <summary>The store key of a chunk id.</summary>
    public static string KeyOf(string chunkId) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(chunkId));

    /// <summary>The tag of a record field: <c>name=value</c>.</summary>
    public static string Tag(string name, string value) => name + "=" + value;

    public static ChunkDocument From(IndexedChunk chunk, string indexId, float[]? vector) => new()
    {
        Key = KeyOf(chunk.ChunkId),
        ChunkId = chunk.ChunkId,
        RecordId = chunk.RecordId,
        Language = chunk.Language,
        Fields = [.. chunk.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => Tag(f.Key, f.Value))],
        ContentHash = chunk.ContentHash,
        Model = chunk.Model,
        IndexId = indexId,
        Text = chunk.Text,
        Vector = vector,
    };

    /// <summary>Back to the chunk a search hit names.</summary>
    public IndexedChunk ToChunk() => new(
        ChunkId, RecordId, ContentHash, Model, Language, Text,
        Fields.Select(f => f.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal));
}
