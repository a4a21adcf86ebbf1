using LlmOps.Storage;

namespace LlmOps.Monitoring;

/// <summary>One timer beat: PartitionKey is the UTC day, RowKey the scheduled time (sortable).</summary>
public sealed class Heartbeat : TableRow
{
    public DateTimeOffset ScheduledTime { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public bool IsPastDue { get; set; }

    public string Machine { get; set; } = "";
}
