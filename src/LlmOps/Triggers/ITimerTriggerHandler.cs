namespace LlmOps.Triggers;

/// <summary>Handles one timer occurrence.</summary>
public interface ITimerTriggerHandler
{
    Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken);
}
