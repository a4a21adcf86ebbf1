using Cronos;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.Drift;

/// <summary>
/// The drift timer: on every tick, runs the check of each feature whose lifecycle <c>drift.schedule</c> has come due
/// since its last run (table <c>driftschedule</c>). A feature seen for the first time starts its schedule then; one with
/// nothing to compare yet is skipped with a warning. One failing feature does not stop the others; the failures are
/// rethrown together at the end.
/// </summary>
public sealed class DriftScheduler(DriftScheduleStore schedules, LifecycleCatalog lifecycles, DriftChecker checker, TimeProvider clock, ILogger<DriftScheduler> logger) : ITimerTriggerHandler
{
    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var failures = new List<Exception>();
        foreach (var lifecycle in await lifecycles.ListAsync(cancellationToken))
        {
            if (lifecycle.Drift.Schedule is not { } schedule)
            {
                continue;
            }

            var last = (await schedules.GetAsync(lifecycle.Feature, cancellationToken))?.LastRun;
            var due = last is { } since && CronExpression.Parse(schedule, CronFormat.IncludeSeconds).GetNextOccurrence(since.UtcDateTime, TimeZoneInfo.Utc) is { } next && next <= now.UtcDateTime;
            if (last is not null && !due)
            {
                continue;
            }

            if (due)
            {
                try
                {
                    var run = await checker.CheckAllAsync(lifecycle.Feature, cancellationToken);
                    foreach (var report in run.Reports)
                    {
                        logger.LogInformation("Drift check {Report} of {Source}: {Alerts} alert(s), dataset drift {Drift}", report.Id, report.Source, report.Checks.Count(c => c.Status == DriftStatus.Alert), report.DatasetDrift);
                    }

                    foreach (var reason in run.Skipped)
                    {
                        logger.LogWarning("Drift check of {Feature}: a source skipped: {Reason}", lifecycle.Feature, reason);
                    }
                }
                catch (LlmOpsException ex) when (ex.Code == ErrorCode.NothingToCompare)
                {
                    // Nothing to compare yet (no version, no champion): not a failure of the timer.
                    logger.LogWarning("Drift check of {Feature} skipped: {Reason}", lifecycle.Feature, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Drift check of {Feature} failed", lifecycle.Feature);
                    failures.Add(ex);
                }
            }

            await schedules.RecordRunAsync(lifecycle.Feature, schedule, now, cancellationToken);
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Some drift checks failed.", failures);
        }
    }
}
