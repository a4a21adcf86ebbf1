using LlmOps.Feedback;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class CheckBudgetsFunction(BudgetTracker handler, TimeProvider clock)
{
    [Function(TriggerCatalog.CheckBudgets)]
    public Task Run([TimerTrigger("%BudgetCheckSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new TimerTriggerInput(clock.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next),
            cancellationToken);
}
