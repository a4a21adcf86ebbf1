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
        var hosts = await HostsAsync(now, cancellationToken);
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

            row = Merge(row, hosts);
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

        var worker = hosts.SelectMany(h => h.Listeners).Where(l => l.Trigger == ListenerState.WorkerTrigger).OrderByDescending(l => l.Since).FirstOrDefault();
        return new OperationsReport(now, rows, newest?.RecordedAt, newest?.Machine)
        {
            Hosts = [.. hosts.Select(h => $"{h.Host} on {h.Machine} (pid {h.ProcessId}, {(now - h.WrittenAt).TotalSeconds:0} s ago)")],
            Worker = worker is null ? null : worker.Error is null ? worker.Status : $"{worker.Status}: {worker.Error}",
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

    /// <summary>The hosts that published their status within <see cref="HostStatusPublisher.StaleAfter"/>.</summary>
    private async Task<List<HostStatus>> HostsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hosts = new List<HostStatus>();
        var container = storage.Container(StorageNames.HostContainer);
        try
        {
            await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = HostStatus.Folder }, cancellationToken))
            {
                if (blob.Properties.LastModified is { } written && now - written <= HostStatusPublisher.StaleAfter)
                {
                    var content = await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken);
                    hosts.Add(content.Value.Content.ToObjectFromJson<HostStatus>(System.Text.Json.JsonSerializerOptions.Web)!);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No host has run yet.
        }

        return hosts;
    }

    /// <summary>A function's listener state (faulted wins), pending inputs, and last success and failure across hosts.</summary>
    private static FunctionStatus Merge(FunctionStatus row, List<HostStatus> hosts)
    {
        var listeners = hosts.SelectMany(h => h.Listeners).Where(l => l.Function == row.Function).ToList();
        var state = listeners.FirstOrDefault(l => l.Status == ListenerState.Faulted) ?? listeners.FirstOrDefault(l => l.Status == ListenerState.Listening) ?? listeners.FirstOrDefault();
        var activity = hosts.Select(h => h.Functions.GetValueOrDefault(row.Function)).OfType<FunctionActivity>().ToList();
        var failure = activity.Where(a => a.LastFailure is not null).MaxBy(a => a.LastFailure);
        var pending = hosts.Select(h => h.Pending.GetValueOrDefault(row.Function, -1)).Where(p => p >= 0).ToList();
        return row with
        {
            State = state?.Status,
            StateError = state?.Error,
            LastSuccess = activity.Max(a => a.LastSuccess),
            LastFailure = failure?.LastFailure,
            LastError = failure?.LastError,
            Pending = pending.Count == 0 ? null : pending.Sum(),
        };
    }

    private static string? Attention(FunctionStatus row, DateTimeOffset now)
    {
        var reasons = new List<string>();
        if (row.State == ListenerState.Faulted)
        {
            reasons.Add($"listener faulted: {row.StateError}");
        }

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
