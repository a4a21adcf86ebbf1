using Azure.Storage.Queues.Models;
using LlmOps.Datasets;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class IndexDatasetVersionFunction(DatasetVersionIndexer handler)
{
    [Function(TriggerCatalog.IndexDatasetVersion)]
    public Task Run([QueueTrigger("dataset-versions", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new QueueTriggerInput("dataset-versions", message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn),
            cancellationToken);
}
