namespace LlmOps.Evaluation;

/// <summary>One chunk a target retrieved: its id (<c>tickets:T-1001#0000</c>), its text and its search score.</summary>
public sealed record RetrievedChunk(string ChunkId, string Text, double Score);
