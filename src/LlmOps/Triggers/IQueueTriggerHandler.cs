namespace LlmOps.Triggers;

/// <summary>Handles one queue message. Throwing leaves the message for a retry, then the poison queue.</summary>
public interface IQueueTriggerHandler
{
    Task HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken);
}
