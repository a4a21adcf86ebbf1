using LlmOps.Feedback;
using LlmOps.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Functions;

public sealed class CompactFeedbackFunction(FeedbackCompactor handler, TimeProvider clock)
{
    [Function(TriggerCatalog.CompactFeedback)]
    public Task Run([TimerTrigger("%FeedbackCompactSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        handler.HandleAsync(
            new TimerTriggerInput(clock.GetUtcNow(), timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next),
            cancellationToken);
}
