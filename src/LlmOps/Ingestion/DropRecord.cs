using Azure;
using Azure.Data.Tables;

namespace LlmOps.Ingestion;

/// <summary>A blob version seen under raw/: PartitionKey is the source, RowKey the encoded name and ETag.</summary>
public sealed class DropRecord : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string BlobName { get; set; } = "";

    public string BlobETag { get; set; } = "";

    public DateTimeOffset ReceivedAt { get; set; }
}
