namespace LlmOps.Monitoring;

/// <summary>`llmops status`: every function's state at <see cref="At"/>, and the newest heartbeat (when and from which machine).</summary>
public sealed record OperationsReport(DateTimeOffset At, IReadOnlyList<FunctionStatus> Functions, DateTimeOffset? LastHeartbeat, string? HeartbeatMachine)
{
    /// <summary>Whether anything is poisoned or late.</summary>
    public bool NeedsAttention => Functions.Any(f => f.Attention is not null);
}
