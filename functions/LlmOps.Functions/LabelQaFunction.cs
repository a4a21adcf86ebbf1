using Azure.Storage.Blobs;
using LlmOps.Labeling;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class LabelQaFunction(LabelQaHandler handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.LabelQa)]
    public async Task Run(
        [BlobTrigger("labels/{project}/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        string project,
        string name,
        CancellationToken cancellationToken)
    {
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        var bindings = new Dictionary<string, string>(StringComparer.Ordinal) { ["project"] = project, ["name"] = name };
        var input = new BlobTriggerInput(StorageNames.LabelsContainer, blob.Name, properties.Value.ETag, bindings);
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(input, cancellationToken));
        if (outcome.DeadLetterReason is { } reason)
        {
            // Permanent: on blob-poison now (as the local host does), and return normally so the Functions host does not retry it.
            await deadLetters.SendBlobAsync(TriggerCatalog.LabelQa, input, 1, "dead-lettered at once: " + reason, cancellationToken);
        }
    }
}
