namespace LlmOps.Datasets;

/// <summary>A version as published: its manifest, whether this call wrote it (else the same content existed), and its catalog row.</summary>
public sealed record PublishedVersion(DatasetManifest Manifest, bool Created, DatasetVersionEntry Entry);
