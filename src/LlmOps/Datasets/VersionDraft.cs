using LlmOps.Lifecycle;

namespace LlmOps.Datasets;

/// <summary>
/// What a dataset version is before its content: its feature and source, the preprocessing that made it, its schema and
/// what it came from (a raw blob and ETag, a report, a file). The publisher adds the content hash, the parts and the
/// counts. A version made without a quality gate (a derived one) says every record was accepted.
/// </summary>
public sealed record VersionDraft(string Feature, string Source, string Preprocessing, IReadOnlyList<FieldDefinition> Schema, string SourceBlob, string SourceETag)
{
    private static readonly IReadOnlyDictionary<string, long> None = new Dictionary<string, long>();

    /// <summary>Null: every record accepted (read = accepted = the records).</summary>
    public DatasetQuality? Quality { get; init; }

    public IReadOnlyDictionary<string, long> Pii { get; init; } = None;

    public IReadOnlyDictionary<string, long> Languages { get; init; } = None;

    /// <summary>Null: now. Erasure gives a successor the time of the version it replaces, so the order of versions stays.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}
