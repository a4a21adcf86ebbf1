using LlmOps.Storage;

namespace LlmOps.Tracking;

/// <summary>
/// A row of table <c>experiments</c>: an experiment's own row (RowKey <c>experiment</c>), or an index row of one of its
/// runs (RowKey <c>run|</c>newest first<c>|</c>run id), which lists a partition's runs newest first page by page.
/// </summary>
public sealed class ExperimentRow : TableRow
{
    /// <summary>The experiment's name (the partition key may be hashed when long).</summary>
    public string Name { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The run an index row points at.</summary>
    public string? RunId { get; set; }
}
