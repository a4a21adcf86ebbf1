using LlmOps.Storage;

namespace LlmOps.Embeddings;

/// <summary>An index version's row in table <c>embeddingindexes</c> (PartitionKey source, RowKey newest first|id), so a source's indexes list newest first.</summary>
public sealed class EmbeddingIndexRow : TableRow
{
    public string IndexId { get; set; } = "";

    public string DatasetId { get; set; } = "";

    public string Feature { get; set; } = "";

    public string Provider { get; set; } = "";

    public string Model { get; set; } = "";

    public int Dimensions { get; set; }

    public long Vectors { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
