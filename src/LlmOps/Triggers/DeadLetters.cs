using System.Text.Json;
using Azure;
using LlmOps.Errors;
using LlmOps.Storage;
using LlmOps.Telemetry;

namespace LlmOps.Triggers;

/// <summary>
/// Where failed work ends, the same for both hosts: a queue message's original body on &lt;queue&gt;-poison (replayable
/// as is), a blob version as a <see cref="BlobPoisonMessage"/> on blob-poison (the blob itself stays put). The local host
/// sends here once the retries are used up, or at once for a <see cref="HandlerOutcome.DeadLetter"/>; the Functions
/// adapters send here for a dead-letter outcome and return normally, so the Functions host does not retry it.
/// </summary>
public sealed class DeadLetters(StorageAccount storage, TimeProvider clock, IPoisonObserver? observer = null)
{
    /// <summary>
    /// Runs a handler and reads a permanent <see cref="LlmOpsException"/> (bad input, <see cref="LlmOpsException.IsPermanent"/>)
    /// as a dead-letter outcome: retrying the same input cannot succeed. Anything else it throws is left to the host's retries.
    /// </summary>
    public static async Task<HandlerOutcome> RunAsync(Func<Task<HandlerOutcome>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            return await handler();
        }
        catch (LlmOpsException ex) when (ex.IsPermanent)
        {
            return HandlerOutcome.DeadLetter(ex.Message);
        }
    }

    /// <summary>
    /// Puts a queue message's original body on its poison queue, and beside it a <see cref="PoisonNote"/> with the
    /// attempts and the error (the body stays as it was, so it can be replayed); returns the poison message's id.
    /// </summary>
    public async Task<string> SendQueueMessageAsync(string queue, BinaryData body, long attempts, string error, CancellationToken cancellationToken)
    {
        var poisonQueue = StorageNames.PoisonQueueFor(queue);
        var sent = await storage.Queue(poisonQueue).SendMessageAsync(body, cancellationToken: cancellationToken);
        Poisoned(poisonQueue, error);
        await NotifyAsync($"poison:{poisonQueue}/{sent.Value.MessageId}", queue, $"A message of {queue} was poisoned after {attempts} attempt(s)", error, $"llmops poison show {sent.Value.MessageId}", cancellationToken);

        var note = new PoisonNote(attempts, error, clock.GetUtcNow(), 0);
        await storage.Container(StorageNames.HostContainer).GetBlobClient(PoisonNote.PathFor(queue, sent.Value.MessageId))
            .UploadAsync(BinaryData.FromObjectAsJson(note, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
        return sent.Value.MessageId;
    }

    /// <summary>Puts a poison message for a blob version on blob-poison.</summary>
    public async Task SendBlobAsync(string function, BlobTriggerInput blob, int attempts, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var poison = new BlobPoisonMessage("BlobTrigger", function, blob.Container, blob.Name, blob.ETag.ToString(), attempts, error, clock.GetUtcNow());
        var sent = await storage.Queue(StorageNames.BlobPoisonQueue).SendMessageAsync(JsonSerializer.Serialize(poison, JsonSerializerOptions.Web), cancellationToken);
        Poisoned(StorageNames.BlobPoisonQueue, error);
        await NotifyAsync($"poison:{blob.Path}@{blob.ETag}", StorageNames.BlobPoisonQueue, $"{function} gave up on {blob.Path} after {attempts} attempt(s)", error, $"llmops poison show {sent.Value.MessageId}", cancellationToken);
    }

    /// <summary>
    /// Tells the observer (the poison notification). Best effort: the input is already on its poison queue (where
    /// `llmops status` counts it), and a failure to notify must not undo or repeat that.
    /// </summary>
    private async Task NotifyAsync(string id, string queue, string title, string error, string evidence, CancellationToken cancellationToken)
    {
        if (observer is null)
        {
            return;
        }

        try
        {
            await observer.PoisonedAsync(id, queue, title, error, evidence, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            System.Diagnostics.Activity.Current?.AddEvent(new System.Diagnostics.ActivityEvent("poison notification failed", tags: new System.Diagnostics.ActivityTagsCollection { ["error"] = ex.Message }));
        }
    }

    private static void Poisoned(string poisonQueue, string error)
    {
        LlmOpsTelemetry.PoisonMessages.Add(1, new KeyValuePair<string, object?>("llmops.queue", poisonQueue));
        InvocationTelemetry.Current?.InputPoisoned(poisonQueue, error);
    }
}
