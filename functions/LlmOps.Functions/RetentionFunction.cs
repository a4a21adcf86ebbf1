using LlmOps.Compliance;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class RetentionFunction(RetentionRunner handler, TimeProvider clock)
{
    [Function(TriggerCatalog.Retention)]
    public Task Run([TimerTrigger("%RetentionSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new TimerTriggerInput(clock.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next),
            cancellationToken);
}
