using LlmOps.Datasets;
using LlmOps.Ingestion.Processing;

namespace LlmOps.Ingestion;

/// <summary>What one drop's ingestion did: its status, counts, the version (when one exists) and the reason.</summary>
public sealed record IngestionResult(
    IngestionStatus Status,
    string Source,
    string BlobName,
    string BlobETag,
    IngestionCounts Counts,
    DatasetManifest? Version,
    string? Reason,
    string? QuarantineFolder);
