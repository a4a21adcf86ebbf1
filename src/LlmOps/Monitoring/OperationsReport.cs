namespace LlmOps.Monitoring;

/// <summary>`llmops status`: every function's state at <see cref="At"/>, and the newest heartbeat (when and from which machine).</summary>
public sealed record OperationsReport(DateTimeOffset At, IReadOnlyList<FunctionStatus> Functions, DateTimeOffset? LastHeartbeat, string? HeartbeatMachine)
{
    /// <summary>Today's limit of every budget against the day's spend so far.</summary>
    public IReadOnlyList<Feedback.BudgetStatus> Budgets { get; init; } = [];

    /// <summary>The host processes that published their status lately (local host, Functions worker).</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>The local host's Functions worker: listening, faulted with the reason, or stopped; null when none reports.</summary>
    public string? Worker { get; init; }

    /// <summary>Whether anything is faulted, poisoned or late, or a budget is breached.</summary>
    public bool NeedsAttention => Functions.Any(f => f.Attention is not null) || Budgets.Any(b => b.Breached) || Worker?.StartsWith(ListenerState.Faulted, StringComparison.Ordinal) == true;
}
