using Azure.Storage.Queues.Models;
using LlmOps.Notifications;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class DeliverNotificationFunction(NotificationDeliverer handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.DeliverNotification)]
    public async Task Run([QueueTrigger("notifications", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(
            new QueueTriggerInput(StorageNames.NotificationsQueue, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn),
            cancellationToken));
        if (outcome.IsDeadLetter)
        {
            // Permanent: to the poison queue now, and return normally so the Functions host does not retry it.
            await deadLetters.SendQueueMessageAsync(StorageNames.NotificationsQueue, message.Body, message.DequeueCount, "dead-lettered at once: " + outcome.DeadLetterReason, cancellationToken);
        }
    }
}
