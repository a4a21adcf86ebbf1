using Azure;

namespace LlmOps.Datasets;

/// <summary>A part uploaded to its staging blob; the ETag keeps a copy from taking another run's content.</summary>
public sealed record StagedPart(Uri Blob, ETag ETag);
