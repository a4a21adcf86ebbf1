using LlmOps.Lifecycle;
using LlmOps.Triggers;

namespace LlmOps.Ingestion;

/// <summary>
/// The blob trigger on raw/{source}/{name}: runs the ETL for the drop, for the source whose lifecycle <c>path</c>
/// covers the blob (the first folder names it when none does); a drop above the source's <c>shard_mb</c> is cut into
/// shards queued for <see cref="IngestShardHandler"/>. Bad data ends in quarantine, not in an exception; a
/// storage fault throws so the host retries (and, after five attempts, poisons the blob).
/// </summary>
public sealed class IngestDropHandler(DropIngestor ingestor, LifecycleCatalog lifecycles) : IBlobTriggerHandler
{
    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        // One read of the lifecycles finds the source and its definition.
        var (source, definition) = await lifecycles.ResolveDropAsync(blob.Container, blob.Name, blob.Bindings.TryGetValue("source", out var s) ? s : blob.Name.Split('/')[0], cancellationToken);
        await ingestor.IngestAsync(source, definition, blob.Container, blob.Name, blob.ETag, null, cancellationToken, mayShard: true);
        return HandlerOutcome.Done;
    }
}
