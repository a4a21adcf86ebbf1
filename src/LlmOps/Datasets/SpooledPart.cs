namespace LlmOps.Datasets;

/// <summary>A closed local part of a <see cref="DatasetSpool"/>: its file, record count, and the SHA-256 and size of its bytes, taken as they were written.</summary>
public sealed record SpooledPart(string Path, long Records, string Sha256, long Bytes);
