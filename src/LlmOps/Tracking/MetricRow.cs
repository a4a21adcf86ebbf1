using LlmOps.Storage;

namespace LlmOps.Tracking;

/// <summary>One metric point in table <c>runmetrics</c> (PartitionKey the run id, RowKey key|step|time, so a key's rows sort by step then time).</summary>
public sealed class MetricRow : TableRow
{
    public string Key { get; set; } = "";

    public double Value { get; set; }

    public long Step { get; set; }

    /// <summary>When the value was logged (the row's own <see cref="TableRow.Timestamp"/> is the server's write time).</summary>
    public DateTimeOffset LoggedAt { get; set; }

    internal MetricPoint ToPoint() => new(Key, Value, Step, LoggedAt);
}
