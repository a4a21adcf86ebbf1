namespace LlmOps.Feedback;

/// <summary>
/// One answered request of a production LLM feature: when, which feature, deployment (<c>deploy:</c> id), prompt
/// version, model and provider, what was asked and answered (PII redacted), the chunks retrieved with their scores,
/// latency, tokens (cached input and reasoning included) and cost, status and error, safety flags (a PII leak in the
/// answer, say), and hashed user and session ids. <see cref="Id"/> is the idempotency key. A shadow answer
/// (<see cref="Shadow"/>, of the request traced as <see cref="ShadowOf"/>) was never shown to a user: the statistics of
/// the feature leave it out, and the shadow comparison reads it.
/// </summary>
public sealed record Trace(
    string Id,
    DateTimeOffset Time,
    string Feature,
    string? Deployment,
    string? PromptVersion,
    string? Model,
    string? Provider,
    string? Input,
    string? Output,
    IReadOnlyList<TraceChunk> Retrieved,
    double? LatencyMs,
    long? InputTokens,
    long? OutputTokens,
    long? CachedInputTokens,
    long? ReasoningTokens,
    double? CostUsd,
    string Status,
    string? Error,
    IReadOnlyList<string> SafetyFlags,
    string? UserHash,
    string? SessionHash,
    bool Shadow = false,
    string? ShadowOf = null,
    string? Operation = null)
{
    /// <summary>The operation of a model answer (<see cref="Operation"/> null means this too).</summary>
    public const string Chat = "chat";

    /// <summary>An embedding call: priced and counted in budgets, not an answer in the statistics.</summary>
    public const string Embeddings = "embeddings";

    public const string Ok = "ok";
    public const string Failed = "error";
}
