namespace LlmOps.Feedback;

/// <summary>A chunk a traced request retrieved, with its search score.</summary>
public sealed record TraceChunk(string ChunkId, double? Score);
