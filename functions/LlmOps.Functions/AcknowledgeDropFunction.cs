using Azure.Storage.Queues.Models;
using LlmOps.Ingestion;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class AcknowledgeDropFunction(DropAcknowledger handler)
{
    [Function(TriggerCatalog.AcknowledgeDrop)]
    public Task Run([QueueTrigger("drops", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new QueueTriggerInput("drops", message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn),
            cancellationToken);
}
