using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class ThrowingQueueHandler : IQueueTriggerHandler
{
    public ConcurrentQueue<long> DequeueCounts { get; } = new();

    public Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        DequeueCounts.Enqueue(message.DequeueCount);
        throw new InvalidOperationException($"cannot handle '{message.Body}'");
    }
}
