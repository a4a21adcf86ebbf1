namespace LlmOps.Triggers;

/// <summary>
/// How a queue or blob handler ended when it did not throw: done, or a permanent failure to dead-letter at once (a
/// malformed message, an unreadable lifecycle), which retrying cannot fix. A transient failure throws instead, and the
/// host retries it up to its limit. Both hosts read the outcome the same way (the local host, and the Functions adapters
/// through <see cref="DeadLetters"/>).
/// </summary>
public sealed record HandlerOutcome
{
    private HandlerOutcome(string? deadLetterReason) => DeadLetterReason = deadLetterReason;

    public static HandlerOutcome Done { get; } = new((string?)null);

    /// <summary>Why the input was dead-lettered; null when it was handled.</summary>
    public string? DeadLetterReason { get; }

    public bool IsDeadLetter => DeadLetterReason is not null;

    public static HandlerOutcome DeadLetter(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new HandlerOutcome(reason);
    }
}
