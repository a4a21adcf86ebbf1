namespace LlmOps.Triggers;

/// <summary>Handles one blob version. Throwing marks the attempt failed; the host retries, then poisons.</summary>
public interface IBlobTriggerHandler
{
    Task HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken);
}
