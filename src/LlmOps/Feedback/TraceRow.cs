using LlmOps.Storage;

namespace LlmOps.Feedback;

/// <summary>
/// Table <c>feedback</c>, a trace: PartitionKey one of <see cref="FeedbackStore.Buckets"/> buckets of the trace id's
/// hash (so a batch of traces lands in few partitions and goes in few transactions), RowKey the trace id then
/// <c>|trace</c>, its scores beside it (<c>|score|id</c>). Texts over the property limit are cut (the analytics
/// Parquet keeps them whole).
/// </summary>
public sealed class TraceRow : TableRow
{
    public string Id { get; set; } = "";

    public DateTimeOffset Time { get; set; }

    public string Feature { get; set; } = "";

    public string? Deployment { get; set; }

    public string? PromptVersion { get; set; }

    public string? Model { get; set; }

    public string? Provider { get; set; }

    public string? Input { get; set; }

    public string? Output { get; set; }

    /// <summary>The retrieved chunks as JSON.</summary>
    public string Retrieved { get; set; } = "[]";

    public double? LatencyMs { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public long? CachedInputTokens { get; set; }

    public long? ReasoningTokens { get; set; }

    public double? CostUsd { get; set; }

    public string Status { get; set; } = Trace.Ok;

    public string? Error { get; set; }

    /// <summary>The safety flags, comma-separated.</summary>
    public string SafetyFlags { get; set; } = "";

    public string? UserHash { get; set; }

    public string? SessionHash { get; set; }

    /// <summary>A shadow answer, never shown to a user.</summary>
    public bool Shadow { get; set; }

    /// <summary>The trace id of the request a shadow answer shadowed.</summary>
    public string? ShadowOf { get; set; }

    /// <summary><c>embeddings</c> for an embedding call; null for a model answer.</summary>
    public string? Operation { get; set; }
}
