using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmOps.Evaluation;

/// <summary>How the answer was produced: latency, the model, and the error when the target could not answer.</summary>
public sealed class ResponseContext(TimeSpan latency, string? model, string? error)
    : EvaluationContext(ContextName, [new TextContent(error ?? "")])
{
    public const string ContextName = "LlmOps response";

    public TimeSpan Latency { get; } = latency;

    public string? Model { get; } = model;

    /// <summary>Why there is no answer (a content filter, a refused request), or null.</summary>
    public string? Error { get; } = error;
}
