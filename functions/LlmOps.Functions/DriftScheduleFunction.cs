using LlmOps.Drift;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class DriftScheduleFunction(DriftScheduler handler, TimeProvider clock)
{
    [Function(TriggerCatalog.DriftSchedule)]
    public Task Run([TimerTrigger("%DriftTickSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new TimerTriggerInput(clock.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next),
            cancellationToken);
}
