using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

/// <summary>Records how many runs overlapped at most; each run holds on briefly so that overlapping runs are likely.</summary>
public sealed class ConcurrencyTrackingBlobHandler : IBlobTriggerHandler
{
    private int _inside;
    private int _most;

    public int MostAtOnce => Volatile.Read(ref _most);

    public ConcurrentDictionary<string, int> Runs { get; } = new(StringComparer.Ordinal);

    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        var inside = Interlocked.Increment(ref _inside);
        int most;
        while (inside > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, inside, most) != most)
        {
        }

        try
        {
            await Task.Delay(25, cancellationToken);
            Runs.AddOrUpdate(blob.Name, 1, (_, n) => n + 1);
            return HandlerOutcome.Done;
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }
}
