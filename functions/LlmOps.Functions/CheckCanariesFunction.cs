using LlmOps.Evaluation;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class CheckCanariesFunction(CanaryCheck handler, TimeProvider clock)
{
    [Function(TriggerCatalog.CheckCanaries)]
    public Task Run([TimerTrigger("%CanaryCheckSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new TimerTriggerInput(clock.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next),
            cancellationToken);
}
