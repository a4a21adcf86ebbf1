using System.Globalization;
using Azure;
using Azure.Data.Tables;
using LlmOps.Lifecycle;
using LlmOps.Notifications;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Feedback;

/// <summary>
/// The lifecycles' <c>budgets</c> against production traces, per UTC day: each feedback batch adds its requests, cost
/// and tokens to the day's rows (the feature's, and the deployment's where it has limits of its own) and checks them;
/// the CheckBudgets timer recomputes the day from the traces' Parquet (so retried batches do not count twice) and
/// checks again. A limit passed is a <see cref="NotificationKinds.BudgetBreached"/> event, once per day and limit.
/// </summary>
public sealed class BudgetTracker(StorageAccount storage, LifecycleCatalog lifecycles, FeedbackAnalytics analytics, NotificationOutbox notifications, TimeProvider clock) : ITimerTriggerHandler
{
    private TableClient Table => storage.Table(StorageNames.BudgetsTable);

    /// <summary>
    /// Adds newly accepted traces to their days' spend and raises what they push over a limit; <paramref name="lifecycles"/>
    /// are the batch's features as the ingestion already read them (null: no lifecycle).
    /// </summary>
    public async Task AddAsync(IReadOnlyList<Trace> traces, IReadOnlyDictionary<string, LifecycleDefinition?> lifecycles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traces);
        ArgumentNullException.ThrowIfNull(lifecycles);
        foreach (var byFeature in traces.GroupBy(t => t.Feature, StringComparer.Ordinal))
        {
            if (lifecycles.GetValueOrDefault(byFeature.Key) is not { Budgets.Any: true } lifecycle)
            {
                continue;
            }

            foreach (var byDay in byFeature.GroupBy(t => Day(t.Time), StringComparer.Ordinal))
            {
                foreach (var (scope, limits) in Scopes(lifecycle.Budgets))
                {
                    var spent = byDay.Where(t => scope.Length == 0 || t.Deployment == scope).ToList();
                    if (spent.Count == 0)
                    {
                        continue;
                    }

                    var row = await UpdateAsync(byDay.Key, byFeature.Key, scope, r =>
                    {
                        r.Requests += spent.Count;
                        r.CostUsd += spent.Sum(t => t.CostUsd ?? 0);
                        r.Tokens += spent.Sum(Tokens);
                    }, cancellationToken);
                    await RaiseAsync(row, limits, lifecycle.Budgets.MinRequests, cancellationToken);
                }
            }
        }
    }

    /// <summary>The timer: today's spend recomputed from the traces for every feature with budgets.</summary>
    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        await RecomputeAsync(clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>Recomputes <paramref name="day"/>'s spend from the traces and checks every limit; returns the breaches.</summary>
    public async Task<IReadOnlyList<BudgetStatus>> RecomputeAsync(DateTimeOffset day, CancellationToken cancellationToken = default)
    {
        var start = new DateTimeOffset(day.UtcDateTime.Date, TimeSpan.Zero);
        var breaches = new List<BudgetStatus>();
        foreach (var lifecycle in (await lifecycles.ListAsync(cancellationToken)).Where(l => l.Budgets.Any))
        {
            using var query = await analytics.OpenAsync(lifecycle.Feature, start, cancellationToken);
            var byDeployment = query.Rows($"""
                SELECT coalesce(Deployment, '') AS deployment, count(*) AS requests, coalesce(sum(CostUsd), 0) AS cost,
                       CAST(coalesce(sum(InputTokens), 0) + coalesce(sum(OutputTokens), 0) AS BIGINT) AS tokens
                FROM traces WHERE Time >= {FeedbackQuery.Timestamp(start)} AND Time < {FeedbackQuery.Timestamp(start.AddDays(1))}
                GROUP BY 1
                """).Select(r => (Deployment: (string)r["deployment"]!, Requests: Convert.ToInt64(r["requests"], CultureInfo.InvariantCulture),
                    Cost: Convert.ToDouble(r["cost"], CultureInfo.InvariantCulture), Tokens: Convert.ToInt64(r["tokens"], CultureInfo.InvariantCulture))).ToList();
            foreach (var (scope, limits) in Scopes(lifecycle.Budgets))
            {
                var spent = byDeployment.Where(d => scope.Length == 0 || d.Deployment == scope).ToList();
                var row = await UpdateAsync(Day(start), lifecycle.Feature, scope, r => (r.Requests, r.CostUsd, r.Tokens) = (spent.Sum(d => d.Requests), spent.Sum(d => d.Cost), spent.Sum(d => d.Tokens)), cancellationToken);
                breaches.AddRange((await RaiseAsync(row, limits, lifecycle.Budgets.MinRequests, cancellationToken)).Where(b => b.Breached));
            }
        }

        return breaches;
    }

    /// <summary>Every limit of <paramref name="feature"/> (or of every feature with budgets) on <paramref name="day"/> against that day's spend.</summary>
    public async Task<IReadOnlyList<BudgetStatus>> StatusAsync(string? feature, DateTimeOffset day, CancellationToken cancellationToken = default)
    {
        var key = Day(day);
        var statuses = new List<BudgetStatus>();
        foreach (var lifecycle in (await lifecycles.ListAsync(cancellationToken)).Where(l => l.Budgets.Any && (feature is null || l.Feature == feature)))
        {
            foreach (var (scope, limits) in Scopes(lifecycle.Budgets))
            {
                var row = await GetAsync(key, lifecycle.Feature, scope, cancellationToken) ?? new BudgetRow { Feature = lifecycle.Feature, Scope = scope };
                statuses.AddRange(Check(key, row, limits, lifecycle.Budgets.MinRequests));
            }
        }

        return statuses;
    }

    internal static string Day(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string Key(string feature, string scope) => TableKey.Encode(feature + "|" + scope);

    private static long Tokens(Trace trace) => (trace.InputTokens ?? 0) + (trace.OutputTokens ?? 0);

    /// <summary>The scopes with limits: the feature's (scope "", every trace) and each deployment's (its own traces).</summary>
    private static IEnumerable<(string Scope, BudgetLimits Limits)> Scopes(BudgetSettings budgets) =>
        new[] { ("", budgets.Feature) }.Concat(budgets.Deployments.Select(d => (d.Key, d.Value))).Where(s => s.Item2.Any);

    private static IEnumerable<BudgetStatus> Check(string day, BudgetRow row, BudgetLimits limits, int minRequests)
    {
        var deployment = row.Scope.Length == 0 ? null : row.Scope;
        if (limits.CostPerDay is { } perDay)
        {
            yield return new BudgetStatus(row.Feature, deployment, day, BudgetStatus.CostPerDay, perDay, row.CostUsd, row.Requests);
        }

        if (limits.CostPerRequest is { } perRequest)
        {
            yield return new BudgetStatus(row.Feature, deployment, day, BudgetStatus.CostPerRequest, perRequest, row.Requests >= minRequests ? row.CostUsd / row.Requests : null, row.Requests);
        }

        if (limits.TokensPerDay is { } tokens)
        {
            yield return new BudgetStatus(row.Feature, deployment, day, BudgetStatus.TokensPerDay, tokens, row.Tokens, row.Requests);
        }
    }

    /// <summary>Raises each limit the row passes that was not raised yet this day, then records it as raised.</summary>
    private async Task<IReadOnlyList<BudgetStatus>> RaiseAsync(BudgetRow row, BudgetLimits limits, int minRequests, CancellationToken cancellationToken)
    {
        var statuses = Check(row.PartitionKey, row, limits, minRequests).ToList();
        var raised = row.Breaches.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var fresh = statuses.Where(s => s.Breached && !raised.Contains(s.Metric)).ToList();
        foreach (var breach in fresh)
        {
            await notifications.RaiseAsync(
                new NotificationEvent(
                    $"budget:{breach.Feature}|{breach.Deployment}|{breach.Day}|{breach.Metric}",
                    NotificationKinds.BudgetBreached,
                    breach.Feature,
                    $"Budget breached: {breach.Scope} {breach.Metric} on {breach.Day}",
                    $"{breach.Metric} is {breach.Actual?.ToString("0.####", CultureInfo.InvariantCulture)}, over the limit of {breach.Limit.ToString("0.####", CultureInfo.InvariantCulture)} ({breach.Requests} requests so far).",
                    $"llmops feedback stats {breach.Feature} --since 1d --by deployment",
                    clock.GetUtcNow()),
                cancellationToken);
        }

        if (fresh.Count > 0)
        {
            await UpdateAsync(row.PartitionKey, row.Feature, row.Scope, r => r.Breaches = string.Join(",", r.Breaches.Split(',', StringSplitOptions.RemoveEmptyEntries).Concat(fresh.Select(f => f.Metric)).Distinct(StringComparer.Ordinal)), cancellationToken);
        }

        return statuses;
    }

    private async Task<BudgetRow?> GetAsync(string day, string feature, string scope, CancellationToken cancellationToken)
    {
        try
        {
            return (await Table.GetEntityAsync<BudgetRow>(day, Key(feature, scope), cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Read, change, write with the row's ETag, again from the read when another writer came first.</summary>
    private async Task<BudgetRow> UpdateAsync(string day, string feature, string scope, Action<BudgetRow> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var row = await GetAsync(day, feature, scope, cancellationToken);
            var isNew = row is null;
            row ??= new BudgetRow { PartitionKey = day, RowKey = Key(feature, scope), Feature = feature, Scope = scope };
            change(row);
            row.UpdatedAt = clock.GetUtcNow();
            try
            {
                row.ETag = isNew
                    ? (await Table.AddEntityAsync(row, cancellationToken)).Headers.ETag ?? ETag.All
                    : (await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken)).Headers.ETag ?? ETag.All;
                return row;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another batch wrote this row between the read and the write: read it again.
            }
        }
    }
}
