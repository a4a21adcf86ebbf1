using Azure.Storage.Queues.Models;
using LlmOps.Datasets;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;
using LlmOps.Embeddings;

namespace LlmOps.Functions;

public sealed class IndexDatasetVersionFunction(DatasetVersionIndexer handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.IndexDatasetVersion)]
    public async Task Run([QueueTrigger("dataset-versions", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(
            new QueueTriggerInput(StorageNames.DatasetVersionsQueue, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn),
            cancellationToken));
        if (outcome.IsDeadLetter)
        {
            // Permanent: to the poison queue now, and return normally so the Functions host does not retry it.
            await deadLetters.SendQueueMessageAsync(StorageNames.DatasetVersionsQueue, message.Body, message.DequeueCount, "dead-lettered at once: " + outcome.DeadLetterReason, cancellationToken);
        }
    }
}
