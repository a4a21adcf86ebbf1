using Microsoft.Extensions.AI;

namespace LlmOps.Evaluation;

/// <summary>What a target made of one example: the messages it sent, the response (empty when it failed), the chunks it retrieved, the latency end to end, and why it could not answer.</summary>
public sealed record TargetAnswer(
    IReadOnlyList<ChatMessage> Messages,
    ChatResponse Response,
    IReadOnlyList<RetrievedChunk> Retrieved,
    TimeSpan Latency,
    string Model,
    string? Error);
