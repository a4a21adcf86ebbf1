using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class RecordingQueueHandler : IQueueTriggerHandler
{
    public ConcurrentQueue<QueueTriggerInput> Messages { get; } = new();

    public Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        Messages.Enqueue(message);
        return Task.FromResult(HandlerOutcome.Done);
    }
}
