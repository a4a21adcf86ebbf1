using Azure;
using Azure.Data.Tables;

namespace LlmOps.Ingestion;

/// <summary>The second record of the drop chain: written by the drops queue handler.</summary>
public sealed class DropAcknowledgement : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string BlobName { get; set; } = "";

    public string BlobETag { get; set; } = "";

    public string MessageId { get; set; } = "";

    public DateTimeOffset AcknowledgedAt { get; set; }
}
