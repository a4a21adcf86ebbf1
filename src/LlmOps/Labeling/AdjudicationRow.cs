using LlmOps.Storage;

namespace LlmOps.Labeling;

/// <summary>Table <c>adjudications</c>: one reviewer decision (PartitionKey project, RowKey item|field|newest first); every decision is kept, the latest counts.</summary>
public sealed class AdjudicationRow : TableRow
{
    public string Item { get; set; } = "";

    public string Field { get; set; } = "";

    /// <summary>The decided values as a JSON array.</summary>
    public string Values { get; set; } = "[]";

    public string By { get; set; } = "";

    public string Reason { get; set; } = "";

    public DateTimeOffset At { get; set; }
}
