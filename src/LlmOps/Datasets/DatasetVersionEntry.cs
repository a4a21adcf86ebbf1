using LlmOps.Storage;

namespace LlmOps.Datasets;

/// <summary>
/// The catalog row of a published dataset version in table <c>datasetversions</c> (PartitionKey source, RowKey the
/// version's hash, with a copy keyed <c>t|</c>newest first<c>|</c>hash for listing), written by the publisher once the
/// manifest exists and marked announced once the <c>dataset-versions</c> message went out, so a replay finishes what a
/// crash left half done.
/// </summary>
public sealed class DatasetVersionEntry : TableRow
{
    public string VersionId { get; set; } = "";

    public string Feature { get; set; } = "";

    public string Manifest { get; set; } = "";

    public long Records { get; set; }

    public long Chunks { get; set; }

    /// <summary>When the manifest was written: the catalog's order, newest first.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    public bool Announced { get; set; }

    public string? MessageId { get; set; }

    public DateTimeOffset? AnnouncedAt { get; set; }

    /// <summary>The same row under another RowKey (every column copied, so a column added later is copied too).</summary>
    internal DatasetVersionEntry CopyAs(string rowKey)
    {
        var copy = (DatasetVersionEntry)MemberwiseClone();
        copy.RowKey = rowKey;
        copy.ETag = default;
        copy.Timestamp = null;
        return copy;
    }
}
