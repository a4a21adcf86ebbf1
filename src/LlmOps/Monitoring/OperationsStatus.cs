using Azure;
using LlmOps.Storage;
using LlmOps.Telemetry;
using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>
/// What is backed up, poisoned or late, read from storage, so it holds whichever host runs the functions (`llmops
/// status`): per function of the trigger catalog its queue backlog and oldest message, its poisoned inputs, a timer's
/// last and next run; and the newest heartbeat. A queue message older than <see cref="LateAfter"/> or a timer whose
/// next run is that far past counts as late; anything poisoned or late needs attention.
/// </summary>
public sealed class OperationsStatus(StorageAccount storage, PoisonStore poison, TimeProvider clock, Feedback.BudgetTracker? budgets = null)
{
    /// <summary>How old a waiting message (or how overdue a timer) may be before it counts as late.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMinutes(10);

    public async Task<OperationsReport> GetAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var poisoned = (await poison.ListAsync(null, cancellationToken)).GroupBy(p => p.Function).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var timers = new TimerScheduleMonitor(storage);
        var rows = new List<FunctionStatus>();
        foreach (var function in TriggerCatalog.All)
        {
            var row = new FunctionStatus(function.Name, function.Kind, function.Target, null, null, null, null, null, null);
            if (function.Kind is TriggerKind.Blob or TriggerKind.Queue)
            {
                row = row with { Poisoned = poisoned.GetValueOrDefault(function.Name) };
            }

            if (function.Kind == TriggerKind.Queue)
            {
                var queue = storage.Queue(function.Target);
                try
                {
                    var backlog = (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
                    var oldest = (await queue.PeekMessagesAsync(1, cancellationToken)).Value.FirstOrDefault()?.InsertedOn;
                    row = row with { Backlog = backlog, OldestMessageAge = oldest is { } inserted ? now - inserted : null };
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    row = row with { Backlog = 0 };
                }
            }

            if (function.Kind == TriggerKind.Timer && await timers.GetStatusAsync(function.Name, cancellationToken) is { } timer)
            {
                row = row with { LastRun = timer.Last, NextRun = timer.Next };
            }

            rows.Add(row with { Attention = Attention(row, now) });
        }

        Heartbeat? newest = null;
        try
        {
            newest = await new HeartbeatLog(storage).LatestAsync(now - TimeSpan.FromDays(1), now, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No heartbeat table yet.
        }

        return new OperationsReport(now, rows, newest?.RecordedAt, newest?.Machine)
        {
            Budgets = budgets is null ? [] : await budgets.StatusAsync(null, now, cancellationToken),
        };
    }

    /// <summary>The report's queue backlogs, oldest-message ages and poison counts as metric gauges.</summary>
    public static void RecordGauges(OperationsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var row in report.Functions)
        {
            var function = new KeyValuePair<string, object?>("llmops.function", row.Function);
            if (row.Trigger == TriggerKind.Queue)
            {
                var queue = new KeyValuePair<string, object?>("llmops.queue", row.Target);
                LlmOpsTelemetry.QueueBacklog.Record(row.Backlog ?? 0, function, queue);
                LlmOpsTelemetry.QueueOldestAge.Record(row.OldestMessageAge?.TotalSeconds ?? 0, function, queue);
            }

            if (row.Poisoned is { } poisoned)
            {
                LlmOpsTelemetry.PoisonBacklog.Record(poisoned, function);
            }
        }
    }

    private static string? Attention(FunctionStatus row, DateTimeOffset now)
    {
        var reasons = new List<string>();
        if (row.Poisoned is > 0)
        {
            reasons.Add($"{row.Poisoned} poisoned (llmops poison list --function {row.Function})");
        }

        if (row.OldestMessageAge is { } age && age > LateAfter)
        {
            reasons.Add($"oldest message waiting {age.TotalMinutes:0} min");
        }

        if (row.NextRun is { } next && now - next > LateAfter)
        {
            reasons.Add($"next run was due {(now - next).TotalMinutes:0} min ago");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}
