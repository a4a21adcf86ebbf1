using System.Collections.Concurrent;
using System.Diagnostics;
using LlmOps.Triggers;

namespace LlmOps.Benchmarks;

/// <summary>A no-op blob handler that notes when each blob's run started.</summary>
internal sealed class TimestampingBlobHandler : IBlobTriggerHandler
{
    public ConcurrentDictionary<string, long> Started { get; } = new(StringComparer.Ordinal);

    public Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        Started.TryAdd(blob.Name, Stopwatch.GetTimestamp());
        return Task.FromResult(HandlerOutcome.Done);
    }
}
