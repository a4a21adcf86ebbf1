using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>One past drift check in table <c>driftchecks</c> (PartitionKey feature, RowKey newest first).</summary>
public sealed class DriftHistoryRow : TableRow
{
    public string ReportId { get; set; } = "";

    public string Source { get; set; } = "";

    public string Reference { get; set; } = "";

    public string Current { get; set; } = "";

    public int Alerts { get; set; }

    public int Warnings { get; set; }

    public bool DatasetDrift { get; set; }

    public string Actions { get; set; } = "";

    public string Report { get; set; } = "";

    public DateTimeOffset CheckedAt { get; set; }
}
