using Azure.Storage.Blobs;
using LlmOps.Ingestion;
using LlmOps.Storage;
using LlmOps.Telemetry;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class IngestDropFunction(IngestDropHandler handler, DeadLetters deadLetters)
{
    [Function(TriggerCatalog.IngestDrop)]
    public async Task Run(
        [BlobTrigger("raw/{source}/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        string source,
        string name,
        CancellationToken cancellationToken)
    {
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        InvocationTelemetry.Current?.BlobWritten(properties.Value.LastModified);
        var bindings = new Dictionary<string, string>(StringComparer.Ordinal) { ["source"] = source, ["name"] = name };
        var input = new BlobTriggerInput(StorageNames.RawContainer, blob.Name, properties.Value.ETag, bindings);
        var outcome = await DeadLetters.RunAsync(() => handler.HandleAsync(input, cancellationToken));
        if (outcome.DeadLetterReason is { } reason)
        {
            // Permanent: on blob-poison now (as the local host does), and return normally so the Functions host does not retry it.
            await deadLetters.SendBlobAsync(TriggerCatalog.IngestDrop, input, 1, "dead-lettered at once: " + reason, cancellationToken);
        }
    }
}
