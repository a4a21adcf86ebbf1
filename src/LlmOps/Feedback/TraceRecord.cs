namespace LlmOps.Feedback;

/// <summary>
/// A trace as a row of the analytics Parquet files (<c>analytics/traces/feature=.../date=.../part-*.parquet</c>;
/// feature and date come from the path, as Spark, Fabric, Synapse and DuckDB read hive-partitioned folders).
/// </summary>
public sealed class TraceRecord
{
    public string Id { get; set; } = "";

    public DateTime Time { get; set; }

    public string? Deployment { get; set; }

    public string? PromptVersion { get; set; }

    public string? Model { get; set; }

    public string? Provider { get; set; }

    public string? Input { get; set; }

    public string? Output { get; set; }

    /// <summary>The retrieved chunk ids, comma-separated.</summary>
    public string? Retrieved { get; set; }

    public double? LatencyMs { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public long? CachedInputTokens { get; set; }

    public long? ReasoningTokens { get; set; }

    public double? CostUsd { get; set; }

    public string Status { get; set; } = Trace.Ok;

    public string? Error { get; set; }

    /// <summary>The safety flags, comma-separated; empty when none.</summary>
    public string SafetyFlags { get; set; } = "";

    public string? UserHash { get; set; }

    public string? SessionHash { get; set; }

    /// <summary>A shadow answer, never shown to a user.</summary>
    public bool Shadow { get; set; }

    /// <summary>The trace id of the request a shadow answer shadowed.</summary>
    public string? ShadowOf { get; set; }

    /// <summary><c>embeddings</c> for an embedding call; null for a model answer.</summary>
    public string? Operation { get; set; }

    public static TraceRecord From(Trace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return new()
        {
            Id = trace.Id,
            Time = trace.Time.UtcDateTime,
            Deployment = trace.Deployment,
            PromptVersion = trace.PromptVersion,
            Model = trace.Model,
            Provider = trace.Provider,
            Input = trace.Input,
            Output = trace.Output,
            Retrieved = trace.Retrieved.Count == 0 ? null : string.Join(',', trace.Retrieved.Select(c => c.ChunkId)),
            LatencyMs = trace.LatencyMs,
            InputTokens = trace.InputTokens,
            OutputTokens = trace.OutputTokens,
            CachedInputTokens = trace.CachedInputTokens,
            ReasoningTokens = trace.ReasoningTokens,
            CostUsd = trace.CostUsd,
            Status = trace.Status,
            Error = trace.Error,
            SafetyFlags = string.Join(',', trace.SafetyFlags),
            UserHash = trace.UserHash,
            SessionHash = trace.SessionHash,
            Shadow = trace.Shadow,
            ShadowOf = trace.ShadowOf,
            Operation = trace.Operation,
        };
    }
}
