using LlmOps.Cli;
using LlmOps.Tests.Infrastructure;
using Spectre.Console;

namespace LlmOps.Tests.EndToEnd;

[Collection(ProductCatalogCollection.Name)]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_OnSharedAzurite_ExitsZeroAndReportsEveryTrigger()
    {
        var azurite = await SharedAzurite.GetAsync();
        using var output = new StringWriter();
        var console = CliRun.Console(output);

        // Each step's wait is longer than the demo's 60 s default: the rest of the suite runs beside it on the same two
        // cores, and the api-docs step embeds 430 members with MiniLM in the Functions worker.
        var exit = await LlmOpsCli.RunAsync(["demo", "--connection-string", azurite.ConnectionString, "--storage-prefix", TestNames.Prefix(), "--timeout", "240"], console);

        var text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("LlmOps.Functions.dll pid ", text, StringComparison.Ordinal);
        // Every catalog function but Health, which the host answers itself.
        Assert.Contains("26 functions loaded over FunctionRpc", text, StringComparison.Ordinal);
        Assert.Contains("Blob trigger: ETL", text, StringComparison.Ordinal);
        Assert.Contains("dataset:tickets@", text, StringComparison.Ordinal);
        Assert.Contains("Queue trigger: index version", text, StringComparison.Ordinal);
        Assert.Contains("Timer trigger: heartbeat", text, StringComparison.Ordinal);
        Assert.Contains("--used--> prep:tickets@v1-", text, StringComparison.Ordinal);
        Assert.Contains("dedup 1, readable 1", text, StringComparison.Ordinal);
        Assert.Contains("email 1", text, StringComparison.Ordinal);
        Assert.Contains("Blob trigger: labeling QA", text, StringComparison.Ordinal);
        Assert.Contains("intent alpha 0.83 (reliable), urgency alpha 0.97 (reliable); 1 to adjudicate", text, StringComparison.Ordinal);
        Assert.Contains("dataset:labels-ticket-intent@", text, StringComparison.Ordinal);
        Assert.Contains("Timer trigger: canary check", text, StringComparison.Ordinal);
        Assert.Contains("rolled_back: thumbs up 40% against 80%", text, StringComparison.Ordinal);
        Assert.Contains("api-docs: blob and queue triggers", text, StringComparison.Ordinal);
        Assert.Contains("dataset:members@", text, StringComparison.Ordinal);
        Assert.Contains("api-docs: MiniLM against lexical", text, StringComparison.Ordinal);
        Assert.Matches(@"api-docs: Azure AI Search store \(loopback\).*held-out recall@10 (\d\.\d\d) there, \1 exact", text);
        Assert.Contains("Sharded ingestion (shard_mb)", text, StringComparison.Ordinal);
        Assert.Matches(@"in [3-9] shards on", text);
        Assert.Contains("dataset:archive@", text, StringComparison.Ordinal);
        Assert.Matches(@"Named key \(llmops keys create\)\s+│?\s*key:support-app-\d{14}, contributor", text);
        Assert.Matches(@"function:IngestDrop \d+", text);
        Assert.Matches(@"local:tests \d+", text);
        Assert.Matches(@"hash chain of \d+ entries whole", text);
        Assert.Contains("Prompt card: prompt:support-answer/1", text, StringComparison.Ordinal);
        Assert.Matches(@"\d+ KB page, 3 features on its overview", text);
        Assert.Matches(@"user-1 gets prompt:support-answer/\d+ \(stable, deploy:prod/\w+\); a poll with its ETag: 304", text);
        Assert.Matches(@"tickets: \d+ signals, \d+ alert\(s\), \d+ warning\(s\) against dataset:tickets@", text);
        Assert.Matches(@"held-out MRR@10 0\.\d\d against 0\.\d\d: \+0\.\d\d \[\+0\.\d\d, \+0\.\d\d\] over 40 queries", text);
        Assert.Matches(@"40 answers through UseLlmOps with prompt:support-answer/1, 1 blocked \(input\.injection:", text);
        Assert.Matches(@"41 traces and \d+ shadow answer\(s\) via OTLP; 40 thumbs to /api/scores", text);
        Assert.Contains("Demo complete", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("up", "--help")]
    [InlineData("demo", "--help")]
    [InlineData("ingest", "--help")]
    [InlineData("lifecycle", "publish", "--help")]
    [InlineData("datasets", "verify", "--help")]
    public async Task Help_EveryCommand_ExitsZero(params string[] args)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        Assert.Equal(0, await LlmOpsCli.RunAsync(args, console));
    }

    [Fact]
    public async Task UnknownCommand_ExitsNonZero()
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        Assert.NotEqual(0, await LlmOpsCli.RunAsync(["no-such-command"], console));
    }
    /// <summary>
    /// The natural next step after `llmops up`: the demo against that stack's storage. The running host holds the
    /// timers' singleton locks, so the demo's own host never runs them; the demo runs their handlers itself and says so.
    /// </summary>
    [Fact]
    public async Task Demo_AgainstTheStorageOfARunningHost_RunsTheTimersItCannotTake()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        // The running host holds the timers' locks but must not fire them while the demo waits (its defaults fire on
        // quarter hours, which a run can straddle): once a day, twelve hours from now.
        var never = $"0 0 {(DateTime.UtcNow.Hour + 12) % 24} * * *";
        await using var running = await LocalStack.StartAsync(
            azurite.ConnectionString, prefix, new LlmOps.Development.AzuriteOptions(),
            new Dictionary<string, string?>
            {
                ["LlmOps:Host:HttpPort"] = "0",
                [LlmOps.Triggers.TriggerCatalog.HeartbeatScheduleSetting] = never,
                [LlmOps.Triggers.TriggerCatalog.CanaryCheckScheduleSetting] = never,
            },
            Microsoft.Extensions.Logging.LogLevel.Warning, CancellationToken.None);
        var heartbeatLock = new LlmOps.Monitoring.TimerScheduleMonitor(running.Storage).LockBlob(LlmOps.Triggers.TriggerCatalog.Heartbeat);
        await Eventually.UntilAsync(
            async () => await heartbeatLock.ExistsAsync() ? (await heartbeatLock.GetPropertiesAsync()).Value.LeaseState : Azure.Storage.Blobs.Models.LeaseState.Available,
            state => state == Azure.Storage.Blobs.Models.LeaseState.Leased, "the running host's heartbeat lock");
        using var output = new StringWriter();

        var exit = await LlmOpsCli.RunAsync(["demo", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix, "--timeout", "240"], CliRun.Console(output));

        var text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("another host on this storage holds the Heartbeat timer; its handler ran here", text, StringComparison.Ordinal);
        Assert.Contains("another host on this storage holds the CheckCanaries timer; its handler ran here", text, StringComparison.Ordinal);
        Assert.Contains("Demo complete", text, StringComparison.Ordinal);
    }
}
