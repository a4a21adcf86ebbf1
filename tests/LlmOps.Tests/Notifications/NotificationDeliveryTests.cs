using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using LlmOps.LocalHost;
using LlmOps.Notifications;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Notifications;

/// <summary>
/// Notifications end to end: events raised to the lifecycle's channels, delivered by the DeliverNotification queue
/// trigger in the Functions worker to webhook receivers on loopback that fail before they accept.
/// </summary>
public sealed class NotificationDeliveryTests
{
    [Fact]
    public async Task WebhooksFailTwiceThenAccept_EveryEventDeliveredExactlyOnceToEachChannel_RaisingAgainSendsNothing()
    {
        using var hooks = new FlakyWebhooks(failuresBeforeSuccess: 2);
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient((await SharedAzurite.GetAsync()).ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Section($$"""
            notify:
              channels:
                oncall: { webhook: "{{hooks.Url("oncall")}}", format: slack }
                team: { webhook: "%LlmOps:TestHooks:Team%", format: teams }
              events:
                drift_alert: [oncall]
                canary_rolled_back: [oncall, team]
            """).Build(), "support.yaml", CancellationToken.None);
        await using var host = await TestHosts.StartAsync(
            new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.DeliverNotification).ToList()),
            prefix: prefix,
            configuration: new Dictionary<string, string?>
            {
                ["LlmOps:TestHooks:Team"] = hooks.Url("team"),
                ["LlmOps:Notifications:FirstRetryDelay"] = "00:00:00.200",
            });

        var now = DateTimeOffset.UtcNow;
        var drift = new NotificationEvent("drift:support/01TEST", NotificationKinds.DriftAlert, "support", "Drift alert on support", "- column:channel: psi 0.41 (alert at 0.25)", "reports/drift/support/01TEST/report.html", now);
        var canary = new NotificationEvent("canary:support/01TEST", NotificationKinds.CanaryRolledBack, "support", "Canary rolled back", "thumbs_up_rate: -0.40", "reports/canary/01TEST.md", now);
        var unrouted = new NotificationEvent("gate:support/01TEST", NotificationKinds.GateRefused, "support", "Gate refused", "-", null, now);
        Assert.Equal(1, await client.Notifications.RaiseAsync(drift));
        Assert.Equal(2, await client.Notifications.RaiseAsync(canary));
        Assert.Equal(0, await client.Notifications.RaiseAsync(unrouted));
        Assert.Equal(0, await client.Notifications.RaiseAsync(drift));

        await Eventually.UntilAsync(() => hooks.Accepted.Count == 3, "three deliveries accepted");
        var queue = client.Storage.Queue(StorageNames.NotificationsQueue);
        await Eventually.UntilAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "the notifications queue to drain");
        Assert.Equal(0, await client.Notifications.RaiseAsync(canary));

        // Each event reached each of its channels once, after two refusals; nothing else was posted.
        Assert.Equal(
            [("oncall", canary.Id), ("oncall", drift.Id), ("team", canary.Id)],
            hooks.Accepted.Select(a => (a.Hook, a.EventId)).Order());
        Assert.All(hooks.Attempts, attempts => Assert.Equal(3, attempts.Value));
        Assert.Equal(3, hooks.Attempts.Count);
        var rows = await client.Notifications.ListAsync();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal((NotificationRow.Delivered, 3), (row.Status, row.Attempts)));

        // The bodies are what Slack and Teams take: text with the title; a MessageCard.
        var slack = JsonDocument.Parse(hooks.Accepted.Single(a => a.Hook == "oncall" && a.EventId == drift.Id).Body).RootElement;
        Assert.Equal("*Drift alert on support*\n- column:channel: psi 0.41 (alert at 0.25)\nEvidence: reports/drift/support/01TEST/report.html", slack.GetProperty("text").GetString());
        var teams = JsonDocument.Parse(hooks.Accepted.Single(a => a.Hook == "team").Body).RootElement;
        Assert.Equal(("MessageCard", "Canary rolled back"), (teams.GetProperty("@type").GetString(), teams.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task WebhookNeverAccepts_AfterTheLastAttemptTheMessageIsPoisoned_ReplayDeliversIt()
    {
        using var hooks = new FlakyWebhooks(failuresBeforeSuccess: int.MaxValue);
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient((await SharedAzurite.GetAsync()).ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Section($$"""
            notify:
              channels:
                oncall: { webhook: "{{hooks.Url("oncall")}}" }
              events:
                poison: [oncall]
            """).Build(), "support.yaml", CancellationToken.None);
        var configuration = new Dictionary<string, string?>
        {
            ["LlmOps:Notifications:FirstRetryDelay"] = "00:00:00.100",
            ["LlmOps:Notifications:MaxAttempts"] = "2",
        };
        await using (var host = await TestHosts.StartAsync(
            new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.DeliverNotification).ToList()), prefix: prefix, configuration: configuration))
        {
            var poisoned = new NotificationEvent("poison:actions-poison/m1", NotificationKinds.Poison, null, "A message of actions was poisoned", "boom", "llmops poison show m1", DateTimeOffset.UtcNow);
            Assert.Equal(1, await client.Notifications.RaiseAsync(poisoned));
            var store = new PoisonStore(client.Storage, host.Services, TimeProvider.System);
            var item = (await Eventually.UntilAsync(() => store.ListAsync(TriggerCatalog.DeliverNotification), items => items.Count == 1 && items[0].Error is not null, "the delivery to be poisoned with its note"))[0];
            Assert.Contains("failed 2 times", item.Error, StringComparison.Ordinal);
            Assert.Contains("HTTP 503", item.Error, StringComparison.Ordinal);
            var row = Assert.Single(await client.Notifications.ListAsync(NotificationRow.Failed));
            Assert.Equal(2, row.Attempts);

            // The channel is back: a replay runs the same handler once more, and this time it is delivered.
            hooks.FailuresBeforeSuccess = 0;
            var replay = await store.ReplayAsync(item.Id);
            Assert.True(replay.Outcome == PoisonReplayResult.Replayed, replay.Error);
            Assert.Equal(NotificationRow.Delivered, Assert.Single(await client.Notifications.ListAsync()).Status);
            Assert.Equal(["oncall"], hooks.Accepted.Select(a => a.Hook));
        }
    }

    [Fact]
    public async Task Cli_TestEventQueuedForTheRoutedChannels_ListedAsJson_UnroutedEventExitsOne()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Section("""
            notify:
              channels:
                oncall: { webhook: "https://hooks.example.com/oncall" }
              events:
                budget_breached: [oncall]
            """).Build(), "support.yaml", CancellationToken.None);
        string[] storage = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];

        var (exit, output) = await CliRun.RunAsync(["notify", "test", "--feature", "support", "--event", "budget_breached", .. storage]);
        Assert.True(exit == 0, output);
        (exit, output) = await CliRun.RunAsync(["notify", "test", "--feature", "support", "--event", "drift_alert", .. storage]);
        Assert.Equal(1, exit);
        Assert.Contains("routes drift_alert", output, StringComparison.Ordinal);

        (exit, output) = await CliRun.RunAsync(["notify", "list", "--format", "json", .. storage]);
        Assert.True(exit == 0, output);
        var row = Assert.Single(JsonDocument.Parse(output).RootElement.GetProperty("tables")[0].GetProperty("rows").EnumerateArray());
        Assert.Equal(("budget_breached", "oncall", "pending"), (row.GetProperty("Event").GetString(), row.GetProperty("Channel").GetString(), row.GetProperty("Status").GetString()));
    }

    /// <summary>Webhook receivers on loopback (one path per hook) that answer 503 to the first attempts of each event.</summary>
    private sealed class FlakyWebhooks : IDisposable
    {
        private readonly LoopbackHttpServer _server;

        public FlakyWebhooks(int failuresBeforeSuccess)
        {
            FailuresBeforeSuccess = failuresBeforeSuccess;
            _server = new LoopbackHttpServer(Receive);
        }

        public int FailuresBeforeSuccess { get; set; }

        /// <summary>Attempts per hook and event id.</summary>
        public ConcurrentDictionary<(string Hook, string EventId), int> Attempts { get; } = new();

        public ConcurrentQueue<(string Hook, string EventId, string Body)> Accepted { get; } = new();

        public string Url(string hook) => new Uri(_server.Endpoint, hook).AbsoluteUri;

        public void Dispose() => _server.Dispose();

        private Task<int> Receive(HttpListenerContext context, byte[] body)
        {
            var key = (context.Request.Url!.AbsolutePath.Trim('/'), context.Request.Headers["X-LlmOps-Event-Id"] ?? "");
            if (Attempts.AddOrUpdate(key, 1, (_, n) => n + 1) <= FailuresBeforeSuccess)
            {
                return Task.FromResult(503);
            }

            Accepted.Enqueue((key.Item1, key.Item2, System.Text.Encoding.UTF8.GetString(body)));
            return Task.FromResult(200);
        }
    }
}
