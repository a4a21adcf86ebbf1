using System.Text.Json;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.Monitoring;

/// <summary>`llmops status` on storage as hosts leave it: a backlog, a poisoned drop, an overdue timer, a heartbeat.</summary>
public sealed class OperationsStatusTests
{
    [Fact]
    public async Task Status_ShowsBacklogPoisonAndALateTimer_ExitOneUntilCleared()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        var ingested = await SampleTickets.IngestAsync(client); // announces the version on dataset-versions: a backlog of one

        var (clean, cleanText) = await CliRun.RunAsync(["status", .. common]);
        Assert.True(clean == 0, cleanText);
        Assert.Contains("Nothing poisoned or late, no budget breached.", cleanText, StringComparison.Ordinal);

        var now = DateTimeOffset.UtcNow;
        await new DeadLetters(client.Storage, TimeProvider.System).SendBlobAsync(
            TriggerCatalog.IngestDrop, new BlobTriggerInput(StorageNames.RawContainer, ingested.BlobName, new Azure.ETag(ingested.BlobETag), new Dictionary<string, string>()), 5, "IOException: disk full", CancellationToken.None);
        await new TimerScheduleMonitor(client.Storage).SetStatusAsync(TriggerCatalog.DriftSchedule, new TimerScheduleStatus(now.AddHours(-1), now.AddMinutes(-30), now.AddHours(-1)), CancellationToken.None);
        await new HeartbeatRecorder(client.Storage, TimeProvider.System).HandleAsync(new TimerTriggerInput(now, false, null, null), CancellationToken.None);

        var report = await client.Status.GetAsync();
        Assert.True(report.NeedsAttention);
        var index = report.Functions.Single(f => f.Function == TriggerCatalog.IndexDatasetVersion);
        Assert.Equal((1, 0), (index.Backlog, index.Poisoned));
        Assert.InRange(index.OldestMessageAge!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Null(index.Attention);
        var drop = report.Functions.Single(f => f.Function == TriggerCatalog.IngestDrop);
        Assert.Equal(1, drop.Poisoned);
        Assert.Contains("llmops poison list --function IngestDrop", drop.Attention, StringComparison.Ordinal);
        var drift = report.Functions.Single(f => f.Function == TriggerCatalog.DriftSchedule);
        Assert.Equal(now.AddMinutes(-30), drift.NextRun);
        Assert.Contains("next run was due 30 min ago", drift.Attention, StringComparison.Ordinal);
        Assert.NotNull(report.LastHeartbeat);

        // The same over HTTP (function key).
        await using (var host = await TestHosts.StartAsync(new LlmOps.LocalHost.FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.Status).ToList()), prefix: prefix))
        {
            using var http = new HttpClient { BaseAddress = host.HttpAddress };
            var key = Uri.EscapeDataString((await host.GetKeysAsync()).FunctionKey);
            var body = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/api/status?code={key}", UriKind.Relative))).RootElement;
            Assert.True(body.GetProperty("needsAttention").GetBoolean());
            Assert.Equal(1, body.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("function").GetString() == TriggerCatalog.IngestDrop).GetProperty("poisoned").GetInt32());
            using var anonymous = await http.GetAsync(new Uri("/api/status", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        var (flagged, json) = await CliRun.RunAsync(["status", "--format", "json", .. common]);
        Assert.Equal(1, flagged);
        var parsed = JsonDocument.Parse(json).RootElement;
        Assert.Equal(2, parsed.GetProperty("functions").EnumerateArray().Count(f => f.GetProperty("attention").ValueKind == JsonValueKind.String));

        // Worked off: the poisoned drop replayed, the timer ran.
        await client.Poison.ReplayAsync(Assert.Single(await client.Poison.ListAsync()).Id);
        await new TimerScheduleMonitor(client.Storage).SetStatusAsync(TriggerCatalog.DriftSchedule, new TimerScheduleStatus(now, now.AddMinutes(5), now), CancellationToken.None);
        Assert.Equal(0, (await CliRun.RunAsync(["status", .. common])).Exit);
    }
}
