using System.Text.Json;
using LlmOps.Feedback;
using LlmOps.Notifications;
using LlmOps.Tests.Infrastructure;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// The lifecycle's budgets against production traces: each batch adds to the day's spend and raises the limits it
/// passes, once per day and limit; a retried batch does not count twice; the timer's recompute from the traces agrees;
/// `llmops status` and `llmops feedback stats` show the breach.
/// </summary>
public sealed class BudgetTests
{
    private const string Canary = "deploy:prod/canary";

    [Fact]
    public async Task SpendPastTheLimits_EachBreachRaisedOnce_RetryNotCountedTwice_RecomputeAgrees_StatusExitsOne()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Section($$"""
            budgets:
              cost_per_day: 1.0
              cost_per_request: 0.05
              tokens_per_day: 5000
              min_requests: 3
              deployments:
                "{{Canary}}": { cost_per_day: 0.2 }
            notify:
              channels:
                oncall: { webhook: "https://hooks.example.com/budget" }
              events:
                budget_breached: [oncall]
            """).Build(), "support.yaml", CancellationToken.None);
        var now = DateTimeOffset.UtcNow;

        // Ten stable requests at 0.05: on budget (a mean of exactly the limit is not over it).
        await client.FeedbackIngestor.IngestTracesAsync(Traces(now, "s", 10, "deploy:prod/stable", 0.05));
        Assert.Empty(await client.Notifications.ListAsync());
        Assert.DoesNotContain(await client.Budgets.StatusAsync("support", now), b => b.Breached);

        // Six canary requests at 0.10: the day reaches 1.10 (16 requests, 0.069 each), the canary 0.60.
        var canary = Traces(now, "c", 6, Canary, 0.10);
        await client.FeedbackIngestor.IngestTracesAsync(canary);
        await client.FeedbackIngestor.IngestTracesAsync(canary); // a client's retry: duplicates, not new spend
        var statuses = await client.Budgets.StatusAsync("support", now);
        Assert.Equal(
            [("support", BudgetStatus.CostPerDay, 1.1), ("support", BudgetStatus.CostPerRequest, 1.1 / 16), ($"support / {Canary}", BudgetStatus.CostPerDay, 0.6)],
            statuses.Where(s => s.Breached).Select(s => (s.Scope, s.Metric, Math.Round(s.Actual!.Value, 6))).OrderBy(s => s.Scope, StringComparer.Ordinal).ThenBy(s => s.Metric, StringComparer.Ordinal).Select(s => (s.Scope, s.Metric, Math.Round(s.Item3, 6))));
        Assert.Equal(16 * 150, statuses.Single(s => s.Metric == BudgetStatus.TokensPerDay).Actual);
        var raised = await client.Notifications.ListAsync();
        Assert.Equal(3, raised.Count);
        Assert.All(raised, r => Assert.Equal((NotificationKinds.BudgetBreached, "oncall"), (r.Kind, r.Channel)));
        Assert.Contains(raised, r => r.Title.Contains(Canary, StringComparison.Ordinal) && r.Text.Contains("0.6", StringComparison.Ordinal));

        // The timer recomputes the day from the traces' Parquet: the same spend, nothing raised again.
        var breaches = await client.Budgets.RecomputeAsync(now);
        Assert.Equal(3, breaches.Count);
        Assert.Equal(1.1, breaches.Single(b => b.Deployment is null && b.Metric == BudgetStatus.CostPerDay).Actual!.Value, 6);
        Assert.Equal(3, (await client.Notifications.ListAsync()).Count);

        string[] storage = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        var (exit, output) = await CliRun.RunAsync(["status", "--format", "json", .. storage]);
        Assert.Equal(1, exit);
        var budgets = JsonDocument.Parse(output).RootElement.GetProperty("budgets").EnumerateArray().ToList();
        Assert.Equal(3, budgets.Count(b => b.GetProperty("breached").GetBoolean()));
        (exit, output) = await CliRun.RunAsync(["feedback", "stats", "support", "--since", "1d", "--format", "json", .. storage]);
        Assert.True(exit == 0, output);
        var stats = JsonDocument.Parse(output).RootElement;
        Assert.Equal(16, stats.GetProperty("groups")[0].GetProperty("requests").GetInt64());
        Assert.Equal(3, stats.GetProperty("budgets").EnumerateArray().Count(b => b.GetProperty("breached").GetBoolean()));
    }

    private static List<JsonElement> Traces(DateTimeOffset now, string prefix, int count, string deployment, double cost) =>
        [.. Enumerable.Range(0, count).Select(i => JsonSerializer.SerializeToElement(new
        {
            id = $"{prefix}-{i}", feature = "support", deployment, costUsd = cost, inputTokens = 100, outputTokens = 50,
            timestamp = now.AddMilliseconds(-i).ToString("O"), output = "fine",
        }))];
}
