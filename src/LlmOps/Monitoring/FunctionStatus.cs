using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>
/// One function as storage shows it: its trigger and target; for a queue trigger the backlog and the age of its oldest
/// message; for blob and queue triggers the inputs poisoned; for a timer its last and next run (as the local host
/// records them); and what needs a person, in words (<see cref="Attention"/>, null when nothing does).
/// </summary>
public sealed record FunctionStatus(
    string Function,
    TriggerKind Trigger,
    string Target,
    int? Backlog,
    TimeSpan? OldestMessageAge,
    int? Poisoned,
    DateTimeOffset? LastRun,
    DateTimeOffset? NextRun,
    string? Attention)
{
    /// <summary>Its listener: listening, faulted (retrying, <see cref="StateError"/> says why), stopped or disabled; null when no local host reports it.</summary>
    public string? State { get; init; }

    public string? StateError { get; init; }

    public DateTimeOffset? LastSuccess { get; init; }

    public DateTimeOffset? LastFailure { get; init; }

    public string? LastError { get; init; }

    /// <summary>A blob trigger's inputs claimed and not finished (running or waiting for a handler slot).</summary>
    public int? Pending { get; init; }
}
