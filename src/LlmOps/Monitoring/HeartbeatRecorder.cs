using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>The heartbeat timer: proves the schedule runs by writing one row per occurrence.</summary>
public sealed class HeartbeatRecorder(StorageAccount storage, TimeProvider clock) : ITimerTriggerHandler
{
    private readonly HeartbeatLog _log = new(storage);

    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        await _log.RecordAsync(
            new Heartbeat
            {
                ScheduledTime = tick.ScheduledTime.ToUniversalTime(),
                RecordedAt = clock.GetUtcNow(),
                IsPastDue = tick.IsPastDue,
                Machine = Environment.MachineName,
            },
            cancellationToken);
    }
}
