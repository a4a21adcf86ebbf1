using LlmOps.Lifecycle;
using LlmOps.Triggers;

namespace LlmOps.Ingestion;

/// <summary>
/// The blob trigger on raw/{source}/{name}: runs the ETL for the drop, for the source whose lifecycle <c>path</c>
/// covers the blob (the first folder names it when none does). Bad data ends in quarantine, not in an exception; a
/// storage fault throws so the host retries (and, after five attempts, poisons the blob).
/// </summary>
public sealed class IngestDropHandler(DropIngestor ingestor, LifecycleCatalog lifecycles) : IBlobTriggerHandler
{
    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var source = await lifecycles.FindSourceForBlobAsync(blob.Container, blob.Name, cancellationToken)
            ?? (blob.Bindings.TryGetValue("source", out var s) ? s : blob.Name.Split('/')[0]);
        await ingestor.IngestAsync(source, blob.Container, blob.Name, blob.ETag, cancellationToken);
        return HandlerOutcome.Done;
    }
}
