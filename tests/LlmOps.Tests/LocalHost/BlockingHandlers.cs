using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

/// <summary>Handlers that block until the host cancels them, and count their starts: for shutdown tests.</summary>
public sealed class BlockingBlobHandler : IBlobTriggerHandler
{
    public ConcurrentQueue<string> Started { get; } = new();

    public async Task HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        Started.Enqueue(blob.Name);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

public sealed class BlockingQueueHandler : IQueueTriggerHandler
{
    public ConcurrentQueue<string> Started { get; } = new();

    public async Task HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        Started.Enqueue(message.Body);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
