using LlmOps.Monitoring;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class HeartbeatFunction(HeartbeatRecorder handler, TimeProvider clock)
{
    [Function(TriggerCatalog.Heartbeat)]
    public Task Run([TimerTrigger("%HeartbeatSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new TimerTriggerInput(clock.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next),
            cancellationToken);
}
