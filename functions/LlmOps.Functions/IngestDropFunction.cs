using Azure.Storage.Blobs;
using LlmOps.Ingestion;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class IngestDropFunction(IngestDropHandler handler)
{
    [Function(TriggerCatalog.IngestDrop)]
    public async Task Run(
        [BlobTrigger("raw/{source}/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        string source,
        string name,
        CancellationToken cancellationToken)
    {
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        var bindings = new Dictionary<string, string>(StringComparer.Ordinal) { ["source"] = source, ["name"] = name };
        await handler.HandleAsync(new BlobTriggerInput(blob.BlobContainerName, blob.Name, properties.Value.ETag, bindings), cancellationToken);
    }
}
