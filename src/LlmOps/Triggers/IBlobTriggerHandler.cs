namespace LlmOps.Triggers;

/// <summary>
/// Handles one blob version. Throwing marks the attempt failed; the host retries, then poisons. A
/// <see cref="HandlerOutcome.DeadLetter"/> (or a permanent <see cref="Errors.LlmOpsException"/>) poisons it at once.
/// </summary>
public interface IBlobTriggerHandler
{
    Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken);
}
