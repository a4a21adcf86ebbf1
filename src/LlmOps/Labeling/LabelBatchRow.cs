using LlmOps.Storage;

namespace LlmOps.Labeling;

/// <summary>
/// Table <c>labelbatches</c>: one imported label file (PartitionKey project, RowKey batch id, a hash of its accepted
/// answers, so importing the same labels again is one batch), where its answers are stored, and its counts.
/// </summary>
public sealed class LabelBatchRow : TableRow
{
    public string Project { get; set; } = "";

    public string BatchId { get; set; } = "";

    /// <summary>The label file it came from, <c>labels/{project}/{name}</c>, and that blob version's ETag.</summary>
    public string Source { get; set; } = "";

    public string SourceETag { get; set; } = "";

    /// <summary>The accepted answers as JSON Lines, in the datasets container (write-once).</summary>
    public string Blob { get; set; } = "";

    public int Accepted { get; set; }

    public int Quarantined { get; set; }

    public int Cancelled { get; set; }

    public DateTimeOffset ImportedAt { get; set; }
}
