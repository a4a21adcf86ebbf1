using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Cli;
using LlmOps.Drift;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Ingestion;
using LlmOps.Lineage;
using LlmOps.Notifications;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging.Abstractions;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Drift;

public sealed class DriftCheckerTests
{
    private static readonly string[] Words = ["refund", "invoice", "password", "login", "export", "report", "webhook", "admin", "billing", "timeout"];

    private static string Drop(int seed, int rows, int start, double shift, string[] channels)
    {
        var random = new Random(seed);
        var lines = new StringBuilder();
        for (var i = start; i < start + rows; i++)
        {
            var body = string.Join(' ', Enumerable.Range(0, 12 + random.Next(8)).Select(_ => shift > 0 && random.NextDouble() < 0.6 ? "kubernetes" + random.Next(40) : Words[random.Next(Words.Length)]));
            var priority = Math.Round(3 + DriftStatisticsTests.Normal(random) + shift, 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            lines.Append(JsonSerializer.Serialize(new { id = $"T-{i}", channel = channels[random.Next(channels.Length)], priority = double.Parse(priority, System.Globalization.CultureInfo.InvariantCulture), body = $"ticket {i}: {body}" })).Append('\n');
        }

        return lines.ToString();
    }

    [Fact]
    public async Task ShiftedVersion_AgainstTheChampionsDataset_AlertsReportsLinksAndActsOncePerCooldown()
    {
        var azurite = await SharedAzurite.GetAsync();
        using var client = new LlmOpsClient(azurite.ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var (feature, source, model) = ($"drift-{unique}", $"d{unique}", $"model:drift-{unique}");
        await client.Lifecycles.PublishAsync(new LifecycleBuilder(feature)
                .Source(source, idField: "id", fields: [LifecycleBuilder.Id, "channel: { type: string }", "priority: { type: number }", LifecycleBuilder.Body])
                .Section($$"""
                    drift:
                      schedule: "0 0 6 * * *"
                      reference: champion
                      model: {{model}}
                      signals:
                        - { signal: column:channel, action: retrain }
                        - { signal: column:priority, action: retrain }
                        - { signal: text.oov_rate, warn: 0.1, alert: 0.3, action: reindex }
                        - { signal: quality.retrieval_relevance, action: prompt_review }
                      cooldown: 24h
                    notify:
                      channels:
                        oncall: { webhook: "https://hooks.example.com/drift", format: slack }
                      events:
                        drift_alert: [oncall]
                    """)
                .Build(), "drift.yaml", CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("llmops-drift-");
        var v1Path = Path.Combine(folder.FullName, "v1.jsonl");
        var v2Path = Path.Combine(folder.FullName, "v2.jsonl");
        await File.WriteAllTextAsync(v1Path, Drop(1, 200, 0, 0, ["email", "chat", "phone"]));
        await File.WriteAllTextAsync(v2Path, Drop(2, 200, 1000, 2, ["phone", "phone", "chat"]));
        var v1 = (await client.IngestFileAsync(v1Path, source)).Version!;
        await client.Refresher.RefreshAsync(v1.Id, CancellationToken.None);
        var run = await client.Tracker.StartRunAsync(feature, new RunStart { Inputs = [new RunInput(v1.Id, RunInput.Evaluation)] });
        await client.Tracker.EndRunAsync(run.Id);
        var registered = await client.Registry.RegisterAsync(new RegisterRequest(model, run.Id));
        await client.Registry.MoveAliasAsync(model, ModelRegistry.Champion, registered.Version);
        var v2 = (await client.IngestFileAsync(v2Path, source)).Version!;
        await client.Refresher.RefreshAsync(v2.Id, CancellationToken.None);

        // Searches of the past week scored 0.8 at the top; those of the last day only 0.5.
        var log = new SearchQueryLog(client.Storage);
        for (var i = 0; i < 40; i++)
        {
            await log.RecordAsync(feature, new SearchResult("q", "index:x@0/m-8", "m", 1, [new SearchHit(0.8f, null!)]), DateTimeOffset.UtcNow.AddDays(-3).AddMinutes(i), CancellationToken.None);
            await log.RecordAsync(feature, new SearchResult("q", "index:x@0/m-8", "m", 1, [new SearchHit(0.5f, null!)]), DateTimeOffset.UtcNow.AddHours(-2).AddMinutes(i), CancellationToken.None);
        }

        var report = await client.Drift.CheckAsync(feature);
        Assert.Equal((v1.Id, v2.Id), (report.Reference, report.Current));
        Assert.Contains("champion", report.ReferenceReason, StringComparison.Ordinal);
        Assert.Equal(DriftStatus.Alert, report.Checks.Single(c => c.Signal == "column:channel").Status);
        Assert.Equal(DriftStatus.Alert, report.Checks.Single(c => c.Signal == "column:priority").Status);
        Assert.Equal(DriftStatus.Alert, report.Checks.Single(c => c.Signal == "text.oov_rate").Status);
        Assert.Equal(DriftStatus.Alert, report.Checks.Single(c => c.Signal == "embeddings.centroid_shift").Status);
        var quality = report.Checks.Single(c => c.Signal == "quality.retrieval_relevance");
        Assert.Equal((DriftStatus.Alert, 40, 40), (quality.Status, quality.ReferenceSize, quality.CurrentSize));
        Assert.Equal(0.3, quality.Value, 5);
        Assert.True(report.DatasetDrift);
        Assert.Equal(["prompt_review", "reindex", "retrain", "retrain"], report.ActionsSent.Select(a => a.Action).Order());
        // The alert is raised to the lifecycle's channel once, with the report as its evidence.
        var notified = Assert.Single(await client.Notifications.ListAsync());
        Assert.Equal((report.Id, NotificationKinds.DriftAlert, "oncall", feature), (notified.EventId, notified.Kind, notified.Channel, notified.Feature));
        Assert.Equal($"{StorageNames.ReportsContainer}/{report.Folder}report.html", notified.Evidence);
        Assert.Contains("column:channel", notified.Text, StringComparison.Ordinal);
        Assert.True(notified.Queued);

        var reports = client.Storage.Container(StorageNames.ReportsContainer);
        var html = (await reports.GetBlobClient(report.Folder + "report.html").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains(v1.Id, html, StringComparison.Ordinal);
        var json = JsonDocument.Parse((await reports.GetBlobClient(report.Folder + "report.json").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(report.Id, json.RootElement.GetProperty("id").GetString());

        var messages = await ActionsForAsync(client.Storage, feature);
        Assert.Equal(4, messages.Count);
        var evidence = messages.Single(m => m.Signal == "column:channel");
        Assert.Equal((v1.Id, v2.Id, "retrain"), (evidence.Reference, evidence.Current, evidence.Action));
        Assert.True(evidence.Value < evidence.Threshold);

        var upstream = await client.Lineage.QueryAsync(report.Id, LineageDirection.Upstream, 1, CancellationToken.None);
        Assert.Equal([v1.Id, v2.Id], upstream.Edges.Select(e => e.From).Order(StringComparer.Ordinal).ToArray().OrderBy(id => id == v1.Id ? 0 : 1));

        // Same causes again within the cool-down: held back, nothing new on the queue.
        var again = await client.Drift.CheckAsync(feature);
        Assert.Empty(again.ActionsSent);
        Assert.Equal(4, again.ActionsHeldBack.Count);
        Assert.Empty(await ActionsForAsync(client.Storage, feature));

        // The timer: a feature seen for the first time starts its schedule; once due, it runs the check.
        var scheduler = new DriftScheduler(new DriftScheduleStore(client.Storage), client.Lifecycles, client.Drift, TimeProvider.System, NullLogger<DriftScheduler>.Instance);
        var tick = new TimerTriggerInput(DateTimeOffset.UtcNow, false, null, null);
        await scheduler.HandleAsync(tick, CancellationToken.None);
        Assert.Equal(2, (await client.Drift.HistoryAsync(feature)).Count);
        await client.Storage.Table(StorageNames.DriftScheduleTable).UpsertEntityAsync(new TableEntity(TableKey.Encode(feature), "schedule") { ["LastRun"] = DateTimeOffset.UtcNow.AddDays(-2) });
        await scheduler.HandleAsync(tick, CancellationToken.None);
        Assert.Equal(3, (await client.Drift.HistoryAsync(feature)).Count);

        using var output = new StringWriter();
        var console = CliRun.Console(output);
        Assert.True(await LlmOpsCli.RunAsync(["drift", "check", feature, "--reference", v2.Id, "--current", v2.Id, "--connection-string", azurite.ConnectionString, "--storage-prefix", client.Storage.Prefix], console) == 0, output.ToString());
        Assert.Contains("Dataset drift: no", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await LlmOpsCli.RunAsync(["drift", "history", feature, "--connection-string", azurite.ConnectionString, "--storage-prefix", client.Storage.Prefix], console));
        Assert.Contains("4 check(s).", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, await LlmOpsCli.RunAsync(["drift", "check", "no-such-feature", "--connection-string", azurite.ConnectionString, "--storage-prefix", client.Storage.Prefix], console));
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task EveryConfiguredSignal_HasARow_PinnedCategoricalCompared_MissingColumnInsufficient_ReportJsonHasNoNaN()
    {
        var azurite = await SharedAzurite.GetAsync();
        using var client = new LlmOpsClient(azurite.ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var (feature, source) = ($"edges-{unique}", $"e{unique}");
        await client.Lifecycles.PublishAsync(new LifecycleBuilder(feature)
                .Source(source, idField: "id", fields: [LifecycleBuilder.Id, "product: { type: string }", "score: { type: number }", LifecycleBuilder.Body])
                .Section($$"""
                    drift:
                      schedule: "0 0 6 * * *"
                      reference: previous
                      signals:
                        - { signal: column:product, test: jensen_shannon, action: retrain }
                        - { signal: column:score, action: retrain }
                        - { signal: column:not_in_schema }
                      cooldown: 24h
                    """)
                .Build(), "edges.yaml", CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("llmops-drift-edges-");
        string Drop(int offset, int products) => string.Concat(Enumerable.Range(0, 300).Select(i =>
            JsonSerializer.Serialize(new { id = $"T-{offset + i}", product = $"p{(i * 7) % products}", body = $"ticket {offset + i} about product {i % products}" }) + "\n"));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "v1.jsonl"), Drop(0, 120));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "v2.jsonl"), Drop(1000, 60));
        await client.IngestFileAsync(Path.Combine(folder.FullName, "v1.jsonl"), source);
        await client.IngestFileAsync(Path.Combine(folder.FullName, "v2.jsonl"), source);

        var report = await client.Drift.CheckAsync(feature);

        var product = Assert.Single(report.Checks, c => c.Signal == "column:product");
        Assert.Equal("categorical", product.Kind);
        Assert.Equal(DriftStatus.Alert, product.Status); // 120 products (over the free-text cut-off of 50), then 60
        var score = Assert.Single(report.Checks, c => c.Signal == "column:score");
        Assert.Equal(DriftStatus.Insufficient, score.Status);
        Assert.Contains("has 0 and 0", score.Message, StringComparison.Ordinal);
        Assert.Equal(DriftStatus.Insufficient, Assert.Single(report.Checks, c => c.Signal == "column:not_in_schema").Status);
        var json = (await client.Storage.Container(StorageNames.ReportsContainer).GetBlobClient(report.Folder + "report.json").DownloadContentAsync()).Value.Content.ToString();
        Assert.DoesNotContain("NaN", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", json, StringComparison.Ordinal);
        using var parsed = JsonDocument.Parse(json);
        var scoreJson = parsed.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("signal").GetString() == "column:score");
        Assert.Equal(JsonValueKind.Null, scoreJson.GetProperty("value").ValueKind);
    }

    [Fact]
    public async Task FeatureWithSeveralSources_EverySourceChecked_OneReportEach_SourceWithOneVersionSkipped()
    {
        var azurite = await SharedAzurite.GetAsync();
        using var client = new LlmOpsClient(azurite.ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("multi")
                .Source("tickets", idField: "id", fields: [LifecycleBuilder.Id, "product: { type: string }", LifecycleBuilder.Body])
                .Source("chats", idField: "id", fields: [LifecycleBuilder.Id, "product: { type: string }", LifecycleBuilder.Body])
                .Source("emails", idField: "id")
                .Section("""
                    drift:
                      reference: previous
                      signals:
                        - { signal: column:product, test: jensen_shannon }
                    """)
                .Build(), "multi.yaml", CancellationToken.None);
        var folder = Directory.CreateTempSubdirectory("llmops-drift-multi-");
        async Task IngestAsync(string source, string file, int offset, int products)
        {
            var path = Path.Combine(folder.FullName, file);
            await File.WriteAllTextAsync(path, string.Concat(Enumerable.Range(0, 200).Select(i =>
                JsonSerializer.Serialize(new { id = $"{source}-{offset + i}", product = $"p{i % products}", body = $"{source} message {offset + i} about product {i % products}" }) + "\n")));
            Assert.Equal(IngestionStatus.Published, (await client.IngestFileAsync(path, source)).Status);
        }

        await IngestAsync("tickets", "t1.jsonl", 0, 4);
        await IngestAsync("tickets", "t2.jsonl", 1000, 4);
        await IngestAsync("chats", "c1.jsonl", 0, 4);
        await IngestAsync("chats", "c2.jsonl", 1000, 1);
        await IngestAsync("emails", "e1.jsonl", 0, 4);

        var run = await client.Drift.CheckAllAsync("multi");

        Assert.Equal(["chats", "tickets"], run.Reports.Select(r => r.Source).Order(StringComparer.Ordinal));
        Assert.All(run.Reports, r => Assert.StartsWith($"dataset:{r.Source}@", r.Current, StringComparison.Ordinal));
        Assert.Equal(DriftStatus.Alert, run.Reports.Single(r => r.Source == "chats").Checks.Single(c => c.Signal == "column:product").Status);
        Assert.NotEqual(DriftStatus.Alert, run.Reports.Single(r => r.Source == "tickets").Checks.Single(c => c.Signal == "column:product").Status);
        Assert.Contains("emails", Assert.Single(run.Skipped), StringComparison.Ordinal);
        Assert.Equal(["chats", "tickets"], (await client.Drift.HistoryAsync("multi")).Select(r => r.Source).Order(StringComparer.Ordinal));
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => client.Drift.CheckAsync("multi"));
        Assert.Equal("chats", (await client.Drift.CheckAsync("multi", source: "chats")).Source);
    }

    [Fact]
    public async Task Timer_FeatureWithNothingToCompareYet_SkippedWithoutFailing()
    {
        var azurite = await SharedAzurite.GetAsync();
        using var client = new LlmOpsClient(azurite.ConnectionString, TestNames.Prefix());
        await client.ProvisionAsync();
        var unique = Guid.NewGuid().ToString("N")[..8];
        var feature = $"empty-{unique}";
        await client.Lifecycles.PublishAsync(new LifecycleBuilder(feature)
                .Source($"e{unique}")
                .Section($$"""
                    drift:
                      schedule: "0 0 6 * * *"
                      reference: champion
                      model: model:none-{{unique}}
                    """)
                .Build(), "empty.yaml", CancellationToken.None);
        await client.Storage.Table(StorageNames.DriftScheduleTable).CreateIfNotExistsAsync();
        await client.Storage.Table(StorageNames.DriftScheduleTable).UpsertEntityAsync(new TableEntity(TableKey.Encode(feature), "schedule") { ["LastRun"] = DateTimeOffset.UtcNow.AddDays(-2) });
        var scheduler = new DriftScheduler(new DriftScheduleStore(client.Storage), client.Lifecycles, client.Drift, TimeProvider.System, NullLogger<DriftScheduler>.Instance);

        await scheduler.HandleAsync(new TimerTriggerInput(DateTimeOffset.UtcNow, false, null, null), CancellationToken.None);

        Assert.Empty(await client.Drift.HistoryAsync(feature));
        var row = await client.Storage.Table(StorageNames.DriftScheduleTable).GetEntityAsync<TableEntity>(TableKey.Encode(feature), "schedule");
        Assert.True(row.Value.GetDateTimeOffset("LastRun") > DateTimeOffset.UtcNow.AddMinutes(-5));
        var error = await ExpectError.ThrowsAsync(ErrorCode.NothingToCompare, () => client.Drift.CheckAsync(feature));
        Assert.Contains("has no dataset version yet", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<DriftAction>> ActionsForAsync(StorageAccount storage, string feature)
    {
        // The test's own storage prefix makes the actions queue its own: every message on it is for this feature.
        var queue = storage.Queue(StorageNames.ActionsQueue);
        var actions = new List<DriftAction>();
        foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value)
        {
            actions.Add(JsonSerializer.Deserialize<DriftAction>(message.Body.ToString(), JsonSerializerOptions.Web)!);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        Assert.All(actions, a => Assert.Equal(feature, a.Feature));
        return actions;
    }
}
