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
    public async Task AFaultedListenerOrWorker_NeedsAttention_AStaleHostIsIgnored()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        var now = DateTimeOffset.UtcNow;
        var faulted = new HostStatus(InvocationTelemetry.LocalHost, "box", 42, now,
            [new ListenerState(TriggerCatalog.IngestDrop, "Blob", ListenerState.Faulted, "RequestFailedException: connection refused", now),
             new ListenerState(LlmOps.LocalHost.Worker.FunctionWorker.HealthName, "Worker", ListenerState.Faulted, "exited with code 134", now)],
            new Dictionary<string, int> { [TriggerCatalog.IngestDrop] = 3 }, new Dictionary<string, FunctionActivity>());
        var hosts = client.Storage.Container(StorageNames.HostContainer);
        await hosts.GetBlobClient(faulted.BlobName).UploadAsync(BinaryData.FromObjectAsJson(faulted, JsonSerializerOptions.Web));

        var report = await client.Status.GetAsync();
        var drop = report.Functions.Single(f => f.Function == TriggerCatalog.IngestDrop);
        Assert.Equal((ListenerState.Faulted, 3), (drop.State, drop.Pending));
        Assert.Contains("listener faulted: RequestFailedException", drop.Attention, StringComparison.Ordinal);
        Assert.Equal("faulted: exited with code 134", report.Worker);
        Assert.True(report.NeedsAttention);
        var (exit, text) = await CliRun.RunAsync(["status", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix]);
        Assert.Equal(1, exit);
        Assert.Contains("listener faulted", text, StringComparison.Ordinal);

        // A host that stopped publishing long ago (its blob last written before the stale limit) does not count.
        var later = new OperationsStatus(client.Storage, client.Poison, new ShiftedClock(HostStatusPublisher.StaleAfter + TimeSpan.FromMinutes(1)));
        var old = await later.GetAsync();
        Assert.Empty(old.Hosts);
        Assert.Null(old.Functions.Single(f => f.Function == TriggerCatalog.IngestDrop).State);
    }

    [Fact]
    public async Task AHostGoneForADay_IsForgottenByTheNextHostThatStarts_ARecentOneStays()
    {
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient((await SharedAzurite.GetAsync()).ConnectionString, prefix);
        await client.ProvisionAsync();
        var hosts = client.Storage.Container(StorageNames.HostContainer);
        var status = new HostStatus(InvocationTelemetry.LocalHost, "old-box", 1, DateTimeOffset.UtcNow, [], new Dictionary<string, int>(), new Dictionary<string, FunctionActivity>());
        await hosts.GetBlobClient(status.BlobName).UploadAsync(BinaryData.FromObjectAsJson(status, JsonSerializerOptions.Web));
        using var services = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(new Microsoft.Extensions.DependencyInjection.ServiceCollection());
        HostStatusPublisher PublisherAt(TimeSpan ahead) => new(client.Storage, services, new ShiftedClock(ahead), InvocationTelemetry.LocalHost, TimeSpan.FromSeconds(15));

        // An hour later it is stale for `llmops status` but kept; a day later the next host to start deletes it.
        await PublisherAt(TimeSpan.FromHours(1)).ForgetGoneHostsAsync(CancellationToken.None);
        Assert.True(await hosts.GetBlobClient(status.BlobName).ExistsAsync());
        await PublisherAt(HostStatusPublisher.ForgetAfter + TimeSpan.FromMinutes(1)).ForgetGoneHostsAsync(CancellationToken.None);
        Assert.False(await hosts.GetBlobClient(status.BlobName).ExistsAsync());
    }

    private sealed class ShiftedClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + ahead;
    }

    [Fact]
    public async Task RunningHosts_PublishListenerStatesLastFailureAndWorker_ADisabledFunctionSaysSo()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await using var host = await TestHosts.StartAsync(
            new LlmOps.LocalHost.FunctionCatalog(TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.IngestFeedback or TriggerCatalog.RunDriftAction).ToList()),
            prefix: prefix,
            configuration: new Dictionary<string, string?>
            {
                [HostStatusPublisher.IntervalSetting] = "00:00:00.200",
                [$"AzureWebJobs.{TriggerCatalog.RunDriftAction}.Disabled"] = "true",
            });
        await host.Worker.WaitUntilReadyAsync(CancellationToken.None);

        // Feedback for a feature without a lifecycle: the worker's handler dead-letters it, a failure with its reason.
        await client.Storage.Container(StorageNames.FeedbackContainer).UploadBlobAsync("nosuch/traces.jsonl", BinaryData.FromString("""{"id":"t-1","feature":"nosuch","output":"x"}""" + "\n"));
        var report = await Eventually.UntilAsync(() => client.Status.GetAsync(), r => r.Functions.Single(f => f.Function == TriggerCatalog.IngestFeedback).LastFailure is not null, "the worker to publish the failure");

        var feedback = report.Functions.Single(f => f.Function == TriggerCatalog.IngestFeedback);
        Assert.Equal(ListenerState.Listening, feedback.State);
        Assert.Contains("nosuch", feedback.LastError, StringComparison.Ordinal);
        Assert.Null(feedback.LastSuccess);
        Assert.NotNull(feedback.Pending);
        var disabled = report.Functions.Single(f => f.Function == TriggerCatalog.RunDriftAction);
        Assert.Equal((ListenerState.Disabled, $"AzureWebJobs.{TriggerCatalog.RunDriftAction}.Disabled is true"), (disabled.State, disabled.StateError));
        Assert.Equal(ListenerState.Listening, report.Worker);
        Assert.Contains(report.Hosts, h => h.StartsWith(InvocationTelemetry.LocalHost, StringComparison.Ordinal));
        Assert.Contains(report.Hosts, h => h.StartsWith(InvocationTelemetry.Worker, StringComparison.Ordinal));
        Assert.Null(report.Functions.Single(f => f.Function == TriggerCatalog.Heartbeat).State); // not in this host's catalog
    }

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
