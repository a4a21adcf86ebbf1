namespace LlmOps.Triggers;

/// <summary>
/// One poisoned input: its poison message id and queue, the function that failed on it, what it was (a blob version's
/// path, or the queue message's body), the attempts it had, the last error, when it was poisoned and how often a
/// replay failed again. A queue message poisoned by the Functions host itself (after maxDequeueCount) has no note:
/// its attempts and error are then unknown (null).
/// </summary>
public sealed record PoisonItem(
    string Id,
    string PoisonQueue,
    string Function,
    TriggerKind Kind,
    string Subject,
    long? Attempts,
    string? Error,
    DateTimeOffset? PoisonedAt,
    int Replays);
