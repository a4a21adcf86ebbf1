using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation;

/// <summary>The chunks the target retrieved for the example, best first, as the answer saw them.</summary>
public sealed class RetrievedContext(IReadOnlyList<RetrievedChunk> chunks)
    : EvaluationContext(ContextName, [.. chunks.Select(c => (AIContent)new TextContent($"[{c.ChunkId}] {c.Text}"))])
{
    public const string ContextName = "LlmOps retrieved chunks";

    public IReadOnlyList<RetrievedChunk> Chunks { get; } = chunks;
}
