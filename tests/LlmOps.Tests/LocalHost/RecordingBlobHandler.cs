using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

/// <summary>Counts completed runs per blob name (shared by every host instance of a test).</summary>
public sealed class RecordingBlobHandler : IBlobTriggerHandler
{
    public ConcurrentDictionary<string, int> Runs { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<BlobTriggerInput> Inputs { get; } = new();

    public Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        Inputs.Enqueue(blob);
        Runs.AddOrUpdate(blob.Name, 1, (_, n) => n + 1);
        return Task.FromResult(HandlerOutcome.Done);
    }
}
