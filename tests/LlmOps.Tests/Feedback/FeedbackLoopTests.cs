using System.Text.Json;
using LlmOps.Drift;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using LlmOps.Triggers;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// The loop closed: production feedback -> a quality signal -> a drift alert -> the actions queue -> the local host's
/// action consumer, which publishes a review batch of the worst-rated traces; and the other actions (retrain, a bad
/// message) at the handler.
/// </summary>
public sealed class FeedbackLoopTests
{
    [Fact]
    public async Task WorseningThumbsUp_AlertsAndTheActionPublishesAReviewBatch_ThroughTheLocalHost()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Section("""
            drift:
              reference: previous
              signals:
                - { signal: quality.answer_quality, warn: 0.1, alert: 0.2, action: prompt_review }
                - { signal: quality.correction_rate, warn: 0.1, alert: 0.3, action: retrain }
              cooldown: 1h
            """).Build(), "support.yaml", CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("llmops-loop-");
        try
        {
            foreach (var version in new[] { 1, 2 })
            {
                var path = Path.Combine(folder.FullName, $"v{version}.jsonl");
                await File.WriteAllLinesAsync(path, Enumerable.Range(0, 40).Select(i => JsonSerializer.Serialize(new { id = $"T-{i}", body = $"ticket {i} version {version} about a refund" })));
                await client.IngestFileAsync(path, "tickets");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        // 60 rated answers over the six days before, 90% thumbs up; 40 in the last day, 30% up.
        var now = DateTimeOffset.UtcNow;
        var traces = Enumerable.Range(0, 100).Select(i => (Id: $"tr-{i:000}", Time: i < 60 ? now.AddDays(-2).AddHours(-(i % 90)) : now.AddMinutes(-(i - 59) * 10), Up: i < 60 ? i % 10 != 0 : i % 10 < 3)).ToList();
        await client.FeedbackIngestor.IngestTracesAsync(Items(traces.Select(t => new { id = t.Id, feature = "support", timestamp = t.Time.ToString("O"), input = $"question {t.Id}", output = $"answer {t.Id}" })));
        await client.FeedbackIngestor.IngestScoresAsync(Items(traces.Select(t => new { id = "thumbs", traceId = t.Id, name = "thumbs_up", value = t.Up, timestamp = t.Time.ToString("O") })));

        var report = await client.Drift.CheckAsync("support");

        var quality = report.Checks.Single(c => c.Signal == "quality.answer_quality");
        Assert.Equal(DriftStatus.Alert, quality.Status);
        Assert.Equal(0.9 - 0.3, quality.Value, 6);
        Assert.Equal("mean_drop", quality.Test);
        Assert.Equal(DriftStatus.Ok, report.Checks.Single(c => c.Signal == "quality.correction_rate").Status);
        Assert.DoesNotContain(report.Checks, c => c.Signal == "quality.latency_p95"); // not in the lifecycle: not run
        var sent = Assert.Single(report.ActionsSent);
        Assert.Equal(DriftActionHandler.PromptReview, sent.Action);

        // The local host's action consumer takes it from the queue and publishes the review batch.
        await using (var host = await TestHosts.StartAsync(new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.RunDriftAction).ToList()), prefix: prefix))
        {
            await Eventually.UntilAsync(() => client.Datasets.LatestAsync(DriftActionHandler.ReviewSource("support")), found => found is not null, "the review batch");
        }

        var review = (await client.Datasets.LatestAsync(DriftActionHandler.ReviewSource("support")))!;
        var records = await client.Datasets.ReadRecordsAsync(review).ToListAsync();
        Assert.Equal(traces.Where(t => t.Time > now.AddDays(-1) && !t.Up).Select(t => t.Id).Order(StringComparer.Ordinal), records.Select(r => r.Id));
        Assert.StartsWith("Question: question tr-", records[0].Text, StringComparison.Ordinal);
        var chain = await client.Lineage.QueryAsync(report.Id, LlmOps.Lineage.LineageDirection.Downstream, 2, CancellationToken.None);
        var action = DriftActionHandler.ActionNode(sent);
        Assert.Contains(chain.Edges, e => e.From == report.Id && e.To == action);
        Assert.Contains(chain.Edges, e => e.From == action && e.To == review.Id);
    }

    [Fact]
    public async Task Handler_RetrainUnknownAndRepeated_ScheduledRunDeadLetterAndNoSecondRun()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        await using var host = await TestHosts.StartAsync(new FunctionCatalog([]), prefix: prefix);
        var handler = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<DriftActionHandler>(host.Services);
        var action = new DriftAction("support", DriftActionHandler.Retrain, "column:channel", "chi_square", 0.001, 0.05, "dataset:tickets@aaaaaaaaaaaa", "dataset:tickets@bbbbbbbbbbbb", "reports/drift/support/x/report.html", DateTimeOffset.UtcNow, "drift:support/X");
        var body = JsonSerializer.Serialize(action, JsonSerializerOptions.Web);

        Assert.Equal(HandlerOutcome.Done, await handler.HandleAsync(new QueueTriggerInput("actions", "m1", body, 1, null), CancellationToken.None));
        Assert.Equal(HandlerOutcome.Done, await handler.HandleAsync(new QueueTriggerInput("actions", "m1", body, 2, null), CancellationToken.None));

        var runs = await client.Tracker.ListRunsAsync("support").ToListAsync();
        var run = Assert.Single(runs);
        Assert.Equal(RunStatus.Scheduled, run.Status);
        var details = (await client.Tracker.GetRunAsync(run.Id))!;
        Assert.Equal(("column:channel", "dataset:tickets@bbbbbbbbbbbb"), (details.Params["signal"], details.Params["current"]));
        Assert.Equal("retraining-request", details.Tags["kind"]);

        Assert.True((await handler.HandleAsync(new QueueTriggerInput("actions", "m2", body.Replace("\"retrain\"", "\"deploy\"", StringComparison.Ordinal), 1, null), CancellationToken.None)).IsDeadLetter);
        Assert.True((await handler.HandleAsync(new QueueTriggerInput("actions", "m3", "not json", 1, null), CancellationToken.None)).IsDeadLetter);
    }

    private static List<JsonElement> Items<T>(IEnumerable<T> items) =>
        [.. items.Select(i => JsonDocument.Parse(JsonSerializer.Serialize(i)).RootElement.Clone())];
}
