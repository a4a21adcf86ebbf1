using Azure;
using Azure.Data.Tables;

namespace LlmOps.Monitoring;

/// <summary>One timer beat: PartitionKey is the UTC day, RowKey the scheduled time (sortable).</summary>
public sealed class Heartbeat : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public DateTimeOffset ScheduledTime { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public bool IsPastDue { get; set; }

    public string Machine { get; set; } = "";
}
