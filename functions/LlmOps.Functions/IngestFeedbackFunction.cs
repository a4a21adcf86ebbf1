using Azure.Storage.Blobs;
using LlmOps.Feedback;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class IngestFeedbackFunction(FeedbackDropHandler handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.IngestFeedback)]
    public async Task Run(
        [BlobTrigger("feedback/{feature}/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        string feature,
        string name,
        CancellationToken cancellationToken)
    {
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        var bindings = new Dictionary<string, string>(StringComparer.Ordinal) { ["feature"] = feature, ["name"] = name };
        var input = new BlobTriggerInput(StorageNames.FeedbackContainer, blob.Name, properties.Value.ETag, bindings);
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(input, cancellationToken));
        if (outcome.DeadLetterReason is { } reason)
        {
            // Permanent: on blob-poison now (as the local host does), and return normally so the Functions host does not retry it.
            await deadLetters.SendBlobAsync(TriggerCatalog.IngestFeedback, input, 1, "dead-lettered at once: " + reason, cancellationToken);
        }
    }
}
