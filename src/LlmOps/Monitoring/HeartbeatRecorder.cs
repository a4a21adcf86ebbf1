using LlmOps.Storage;
using LlmOps.Telemetry;
using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>
/// The heartbeat timer: proves the schedule runs by writing one row per occurrence and, when metrics are collected,
/// records the queue gauges (backlog and oldest message per trigger queue, poisoned inputs per function).
/// </summary>
public sealed class HeartbeatRecorder(StorageAccount storage, TimeProvider clock, OperationsStatus? status = null) : ITimerTriggerHandler
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
        if (status is not null && (LlmOpsTelemetry.QueueBacklog.Enabled || LlmOpsTelemetry.PoisonBacklog.Enabled))
        {
            OperationsStatus.RecordGauges(await status.GetAsync(cancellationToken));
        }
    }
}
