using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class RecordingQueueHandler : IQueueTriggerHandler
{
    public ConcurrentQueue<QueueTriggerInput> Messages { get; } = new();

    public Task HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        Messages.Enqueue(message);
        return Task.CompletedTask;
    }
}
