using LlmOps.Storage;

namespace LlmOps.Ingestion;

/// <summary>One row per ingested blob version in table <c>ingestions</c>: PartitionKey source, RowKey name|ETag.</summary>
public sealed class IngestionRecord : TableRow
{
    public string BlobName { get; set; } = "";

    public string BlobETag { get; set; } = "";

    public string Status { get; set; } = "";

    public string? VersionId { get; set; }

    public long Read { get; set; }

    public long Accepted { get; set; }

    public long Quarantined { get; set; }

    public string? Reason { get; set; }

    public string QuarantinedByRule { get; set; } = "{}";

    public string Pii { get; set; } = "{}";

    public string? QuarantineFolder { get; set; }

    public DateTimeOffset IngestedAt { get; set; }

    /// <summary>How many runs handled this blob version (more than one after a crash or a retried storage fault).</summary>
    public int Attempts { get; set; } = 1;
}
