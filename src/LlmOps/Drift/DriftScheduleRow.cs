using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>When the drift timer last ran a feature's check, in table <c>driftschedule</c> (PartitionKey feature, RowKey <c>schedule</c>).</summary>
public sealed class DriftScheduleRow : TableRow
{
    public DateTimeOffset LastRun { get; set; }

    /// <summary>The cron schedule it ran under.</summary>
    public string Schedule { get; set; } = "";
}
