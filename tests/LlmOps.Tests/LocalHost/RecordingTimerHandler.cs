using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class RecordingTimerHandler : ITimerTriggerHandler
{
    public ConcurrentQueue<TimerTriggerInput> Ticks { get; } = new();

    public Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        Ticks.Enqueue(tick);
        return Task.CompletedTask;
    }
}
