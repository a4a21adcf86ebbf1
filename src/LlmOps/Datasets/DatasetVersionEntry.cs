using Azure;
using Azure.Data.Tables;

namespace LlmOps.Datasets;

/// <summary>The index row of an announced dataset version in table <c>datasetversions</c>: PartitionKey source, RowKey hash.</summary>
public sealed class DatasetVersionEntry : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string VersionId { get; set; } = "";

    public string Feature { get; set; } = "";

    public string Manifest { get; set; } = "";

    public long Records { get; set; }

    public long Chunks { get; set; }

    public string MessageId { get; set; } = "";

    public DateTimeOffset AnnouncedAt { get; set; }
}
