using LlmOps.Triggers;

namespace LlmOps.Ingestion;

/// <summary>
/// The queue trigger on <c>ingest-shards</c>: runs one shard of a large drop on whichever instance takes it, and commits
/// the drop's version when it was the last shard (<see cref="DropIngestor"/>'s sharded path).
/// </summary>
public sealed class IngestShardHandler(DropIngestor ingestor) : IQueueTriggerHandler
{
    public Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken) =>
        ingestor.ProcessShardAsync(message, cancellationToken);
}
