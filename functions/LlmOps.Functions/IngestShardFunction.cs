using Azure.Storage.Queues.Models;
using LlmOps.Ingestion;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class IngestShardFunction(IngestShardHandler handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.IngestShard)]
    public async Task Run([QueueTrigger("ingest-shards", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(
            new QueueTriggerInput(StorageNames.IngestShardsQueue, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn),
            cancellationToken));
        if (outcome.IsDeadLetter)
        {
            // Permanent (or the drop failed with a report): to the poison queue now, and return normally so the host does not retry it.
            await deadLetters.SendQueueMessageAsync(StorageNames.IngestShardsQueue, message.Body, message.DequeueCount, "dead-lettered at once: " + outcome.DeadLetterReason, cancellationToken);
        }
    }
}
