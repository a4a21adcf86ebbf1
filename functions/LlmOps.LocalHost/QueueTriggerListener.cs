using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// A queue trigger with the Functions host's semantics: batches of host.json batchSize, each message invisible while
/// its handler runs (renewed), deleted on success, made visible again after host.json visibilityTimeout on failure,
/// and moved to &lt;queue&gt;-poison once it was dequeued maxDequeueCount times. Polling backs off to maxPollingInterval.
/// </summary>
public sealed class QueueTriggerListener(
    FunctionDefinition function,
    IServiceProvider services,
    StorageAccount storage,
    LocalHostOptions options,
    HostJsonSettings hostJson,
    HostDiagnostics diagnostics,
    DeadLetters deadLetters,
    ILogger<QueueTriggerListener> logger)
    : TriggerListener(function, services, options.ShutdownTimeout, logger)
{
    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly QueueClient _queue = storage.Queue(function.Target);
    private readonly QueueClient _poison = storage.Queue(StorageNames.PoisonQueueFor(function.Target));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
            await _poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        Logger.LogInformation("Queue trigger {Function} listens on {Queue}", Function.Name, _queue.Name);
        // Up to batchSize messages run at once, and a slot that frees is refilled at once: one slow message never
        // holds back the others (the Functions host fetches its next batch when half of one is done).
        var running = new HashSet<Task>();
        var delay = MinimumPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var free = hostJson.QueueBatchSize - running.Count;
            QueueMessage[] batch = [];
            if (free > 0)
            {
                try
                {
                    batch = (await _queue.ReceiveMessagesAsync(free, options.QueueProcessingVisibility, stoppingToken)).Value;
                    MarkListening();
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    MarkFaulted(ex);
                    Logger.LogWarning(ex, "Receiving from {Queue} failed; retrying", _queue.Name);
                }
            }

            foreach (var message in batch)
            {
                running.Add(ProcessAsync(message));
            }

            if (batch.Length > 0)
            {
                delay = MinimumPollingInterval;
            }

            if (batch.Length == 0 || running.Count >= hostJson.QueueBatchSize)
            {
                // Wait for a slot to free or for the poll interval (backing off while the queue is empty).
                var wait = Task.Delay(running.Count >= hostJson.QueueBatchSize ? Timeout.InfiniteTimeSpan : delay, stoppingToken);
                var finished = await Task.WhenAny(running.Append(wait));
                if (finished == wait && wait.IsCanceled)
                {
                    break;
                }

                if (finished == wait && batch.Length == 0)
                {
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(hostJson.QueueMaxPollingInterval.Ticks, MinimumPollingInterval.Ticks)));
                }
            }

            running.RemoveWhere(t => t.IsCompleted);
        }

        await Task.WhenAll(running);
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        var receipt = new QueueMessageReceipt(_queue, message, options.QueueProcessingVisibility, Logger);
        try
        {
            await using (receipt)
            {
                if (message.DequeueCount > hostJson.QueueMaxDequeueCount)
                {
                    await MoveToPoisonAsync(message, receipt, "dequeued more often than maxDequeueCount");
                    return;
                }

                var input = new QueueTriggerInput(Function.Target, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn);
                using var invocation = StartInvocation(message.MessageId, message.DequeueCount);
                try
                {
                    var outcome = HandlerOutcome.Done;
                    if (Worker is null)
                    {
                        outcome = await InvokeAsync<IQueueTriggerHandler>((h, ct) => h.HandleAsync(input, ct), HandlerStopping);
                    }
                    else
                    {
                        // The app's adapter puts a permanent failure on the poison queue itself and returns normally.
                        await Worker.InvokeQueueAsync(Function, message, HandlerStopping);
                    }

                    if (outcome.DeadLetterReason is { } reason)
                    {
                        // Permanent: retrying the same message cannot succeed, so it is not retried.
                        invocation.DeadLettered(reason);
                        diagnostics.Increment(HostDiagnostics.QueueFailed, Function.Name);
                        await MoveToPoisonAsync(message, receipt, "dead-lettered at once: " + reason);
                        return;
                    }

                    invocation.Succeeded();
                    await receipt.DeleteAsync(CancellationToken.None);
                    diagnostics.Increment(HostDiagnostics.QueueSucceeded, Function.Name);
                }
                catch (Exception ex) when (IsShutdownCancellation(ex))
                {
                    invocation.Failed(ex);
                    await receipt.ReturnAsync(TimeSpan.Zero, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    invocation.Failed(ex);
                    diagnostics.Increment(HostDiagnostics.QueueFailed, Function.Name);
                    if (message.DequeueCount >= hostJson.QueueMaxDequeueCount)
                    {
                        await MoveToPoisonAsync(message, receipt, BlobReceiptClaim.Describe(ex));
                    }
                    else
                    {
                        Logger.LogWarning(ex, "{Function} failed on message {MessageId} (dequeue {Count} of {Max})",
                            Function.Name, message.MessageId, message.DequeueCount, hostJson.QueueMaxDequeueCount);
                        await receipt.ReturnAsync(hostJson.QueueVisibilityTimeout, CancellationToken.None);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            // The message reappears when its visibility runs out, and is retried then.
            Logger.LogWarning(ex, "Storage fault while settling message {MessageId} on {Queue}", message.MessageId, _queue.Name);
        }
    }

    /// <summary>Where a finished poison move of one message is recorded, so a retried move does not send twice.</summary>
    internal static string PoisonMoveMarker(string queue, string messageId) => $"poisonmoves/{queue}/{messageId}";

    private async Task MoveToPoisonAsync(QueueMessage message, QueueMessageReceipt receipt, string reason)
    {
        // The original body goes to the poison queue unchanged, as the Functions host does, so it can be replayed.
        // Send, record, delete: a host that died after the send finds the record and only deletes the original.
        var marker = storage.Container(StorageNames.HostContainer).GetBlobClient(PoisonMoveMarker(Function.Target, message.MessageId));
        if (!await marker.ExistsAsync(CancellationToken.None))
        {
            var sent = await deadLetters.SendQueueMessageAsync(Function.Target, message.Body, message.DequeueCount, reason, CancellationToken.None);
            await marker.TryCreateAsync(BinaryData.FromString(sent), cancellationToken: CancellationToken.None);
        }

        await receipt.DeleteAsync(CancellationToken.None);
        diagnostics.Increment(HostDiagnostics.QueuePoisoned, Function.Name);
        Logger.LogError("{Function} moved message {MessageId} to {Poison} after {Count} dequeue(s): {Reason}",
            Function.Name, message.MessageId, _poison.Name, message.DequeueCount, reason);
    }
}
