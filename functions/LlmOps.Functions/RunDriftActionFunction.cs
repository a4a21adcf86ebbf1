using Azure.Storage.Queues.Models;
using LlmOps.Drift;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class RunDriftActionFunction(DriftActionHandler handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.RunDriftAction)]
    public async Task Run([QueueTrigger("actions", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(
            new QueueTriggerInput(StorageNames.ActionsQueue, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn),
            cancellationToken));
        if (outcome.IsDeadLetter)
        {
            // Permanent: to the poison queue now, and return normally so the Functions host does not retry it.
            await deadLetters.SendQueueMessageAsync(StorageNames.ActionsQueue, message.Body, message.DequeueCount, "dead-lettered at once: " + outcome.DeadLetterReason, cancellationToken);
        }
    }
}
