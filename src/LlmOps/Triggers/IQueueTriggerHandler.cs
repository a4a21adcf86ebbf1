namespace LlmOps.Triggers;

/// <summary>
/// Handles one queue message. Throwing leaves the message for a retry, then the poison queue; a
/// <see cref="HandlerOutcome.DeadLetter"/> (or a permanent <see cref="Errors.LlmOpsException"/>) poisons it at once.
/// </summary>
public interface IQueueTriggerHandler
{
    Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken);
}
