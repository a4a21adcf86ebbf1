namespace LlmOps.Datasets;

/// <summary>One part of a dataset version: gzip JSON Lines of records, with the SHA-256 of its stored bytes.</summary>
public sealed record DatasetPart(string Name, string Sha256, long Bytes, long Records);
