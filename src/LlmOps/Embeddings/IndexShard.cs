namespace LlmOps.Embeddings;

/// <summary>One shard of an index version: the vector file and its metadata file, each with its SHA-256.</summary>
public sealed record IndexShard(string Name, string MetadataName, int Vectors, string Sha256, string MetadataSha256);
