namespace LlmOps.Datasets;

/// <summary>
/// A closed part of a <see cref="DatasetSpool"/>: its name, record count, and the SHA-256 and size of its bytes, taken
/// as they were written; the bytes are in a local file, and once uploaded for staging in a blob too (with the ETag the upload returned).
/// </summary>
public sealed record SpooledPart(string Name, long Records, string Sha256, long Bytes, string LocalPath, StagedPart? Staged);
