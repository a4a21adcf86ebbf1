using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>The last action sent for one cause in table <c>driftactions</c> (PartitionKey feature, RowKey action|signal): the cool-down's memory.</summary>
public sealed class DriftActionRow : TableRow
{
    public DateTimeOffset SentAt { get; set; }

    /// <summary>The drift report that sent it.</summary>
    public string Report { get; set; } = "";
}
