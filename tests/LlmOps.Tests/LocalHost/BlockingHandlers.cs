using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

/// <summary>Handlers that block until the host cancels them, and count their starts: for shutdown tests.</summary>
public sealed class BlockingBlobHandler : IBlobTriggerHandler
{
    public ConcurrentQueue<string> Started { get; } = new();

    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        Started.Enqueue(blob.Name);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return HandlerOutcome.Done;
    }
}

public sealed class BlockingQueueHandler : IQueueTriggerHandler
{
    public ConcurrentQueue<string> Started { get; } = new();

    public async Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        Started.Enqueue(message.Body);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return HandlerOutcome.Done;
    }
}

/// <summary>Holds a message whose body is "slow" until the test releases it; handles the others at once.</summary>
public sealed class SlowOneQueueHandler : IQueueTriggerHandler
{
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Done { get; } = new();

    private int _slowStarted;

    public bool SlowStarted => Volatile.Read(ref _slowStarted) == 1;

    public async Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        if (message.Body == "slow")
        {
            Volatile.Write(ref _slowStarted, 1);
            await Release.Task.WaitAsync(cancellationToken);
        }

        Done.Enqueue(message.Body);
        return HandlerOutcome.Done;
    }
}
