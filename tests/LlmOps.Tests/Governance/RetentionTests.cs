using LlmOps.Feedback;
using LlmOps.Compliance;
using LlmOps.Governance;
using LlmOps.Lifecycle;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;

namespace LlmOps.Tests.Governance;

/// <summary>
/// Retention applied on a store of its own, a month ahead of when its data was written: what expired under each
/// lifecycle's numbers goes (raw drops, quarantine, traces with their scores and parts, feedback drops, reports, task
/// sets), what a deployment, an alias or a legal hold was derived from stays, and a released hold lets it go.
/// </summary>
public sealed class RetentionTests
{
    private const string Short = "retention: { raw_days: 30, quarantine_days: 30, traces_days: 30, feedback_days: 30, reports_days: 30, task_sets_days: 30 }";

    [Fact]
    public async Task Retention_DeletesOnlyWhatExpired_NeverADeployedOrHeldVersion()
    {
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(connection, prefix, Caller.Local("root"));
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(
            new LifecycleBuilder("ret").Source("docs", idField: "id").Section("""
                labeling:
                  projects:
                    - name: topics
                      source: { dataset: docs, seed: 5 }
                      fields: [{ name: topic, kind: categorical, values: [refund, login] }]
                      annotators: [ana, ben]
                """).Section(Short).Build(),
            "ret.yaml", CancellationToken.None);
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("long").Source("notes", idField: "id").Section("retention: { raw_days: 90 }").Build(), "long.yaml", CancellationToken.None);

        var folder = Directory.CreateTempSubdirectory("llmops-retention-");
        async Task<string> IngestAsync(string name, string source, string lines)
        {
            var path = Path.Combine(folder.FullName, name);
            await File.WriteAllTextAsync(path, lines);
            var result = await client.IngestFileAsync(path, source);
            Assert.True(result.Version is not null, $"{name}: {result.Status} {result.Reason}");
            return result.Version.Id;
        }

        // a: nothing needs it (one record quarantined); b: held; c: the data of a deployed prompt; notes: kept 90 days.
        var a = await IngestAsync("a.jsonl", "docs", string.Concat(Enumerable.Range(1, 10).Select(i => $"{{\"id\":\"A-{i}\",\"body\":\"refund request number {i}\"}}\n")) + "{\"id\":\"A-11\"}\n");
        var b = await IngestAsync("b.jsonl", "docs", "{\"id\":\"B-1\",\"body\":\"cannot log in\"}\n");
        var c = await IngestAsync("c.jsonl", "docs", "{\"id\":\"C-1\",\"body\":\"refund twice\"}\n");
        await IngestAsync("n.jsonl", "notes", "{\"id\":\"N-1\",\"body\":\"a note\"}\n");
        folder.Delete(recursive: true);
        await client.Holds.AddAsync(b, "case 42");
        var run = await client.Tracker.StartRunAsync("ret", new RunStart { Tags = new Dictionary<string, string> { ["feature"] = "ret" } });
        await client.Tracker.LogInputAsync(run.Id, c);
        var prompt = await client.Registry.RegisterAsync(new RegisterRequest("prompt:ret", run.Id) { Template = "Answer {{question}}", Feature = "ret" });
        await client.Registry.DeployAsync("prompt:ret", prompt.Version, "prod");

        // Task sets from a (expires) and from b (held by its own id); traces ten days old and five days ahead.
        var project = await client.Labeling.ProjectAsync("topics", CancellationToken.None);
        var setA = await client.Labeling.TaskSets.CreateAsync(project, a, CancellationToken.None);
        var setB = await client.Labeling.TaskSets.CreateAsync(project, b, CancellationToken.None);
        await client.Holds.AddAsync(setB.Node, "case 42");
        var now = DateTimeOffset.UtcNow;
        Trace TraceAt(string id, DateTimeOffset time) => new(id, time, "ret", null, null, null, null, "q", "a", [], 10, 1, 1, null, null, null, Trace.Ok, null, [], null, null);
        Trace[] traces = [TraceAt("old-1", now.AddDays(-10)), TraceAt("new-1", now.AddDays(5))];
        await client.Feedback.AddTracesAsync(traces);
        await client.Feedback.AddScoresAsync([new Score("s-1", "old-1", null, Score.ThumbsUp, Score.Boolean, 1, null, Score.Human, null, null, now.AddDays(-10))]);
        var partitions = new FeedbackPartitions(client.Storage, TimeProvider.System);
        await partitions.AppendTracesAsync(traces);
        await client.Storage.Container(StorageNames.FeedbackContainer).GetBlobClient("ret/upload.jsonl").UploadAsync(BinaryData.FromString("{}\n"));
        await client.Storage.Container(StorageNames.ReportsContainer).GetBlobClient("drift/ret/01ABC/report.json").UploadAsync(BinaryData.FromString("{}"));
        var raw = client.Storage.Container(StorageNames.RawContainer);
        var quarantine = client.Storage.Container(StorageNames.QuarantineContainer);
        var analytics = client.Storage.Container(StorageNames.AnalyticsContainer);
        Assert.NotEmpty(await quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "docs/" }).ToListAsync());

        // Today nothing has expired.
        Assert.Equal(0, (await client.Retention.RunAsync(dryRun: true)).Deleted);

        using var later = new LlmOpsClient(connection, prefix, Caller.Local("root"), new ShiftedClock(TimeSpan.FromDays(31)));
        var dry = await later.Retention.RunAsync(dryRun: true);
        Assert.True(dry.Deleted > 0);
        Assert.True(await raw.GetBlobClient("docs/a.jsonl").ExistsAsync());

        var report = await later.Retention.RunAsync(dryRun: false);
        Assert.Equal(dry.Deleted, report.Deleted);
        RetentionResult Result(string feature, string kind) => report.Results.Single(r => r.Feature == feature && r.Kind == kind);
        Assert.Equal(["docs/a.jsonl"], Result("ret", RetentionRunner.Raw).Items);
        Assert.Equal(2, Result("ret", RetentionRunner.Raw).Kept);
        Assert.False(await raw.GetBlobClient("docs/a.jsonl").ExistsAsync());
        Assert.True(await raw.GetBlobClient("docs/b.jsonl").ExistsAsync());
        Assert.True(await raw.GetBlobClient("docs/c.jsonl").ExistsAsync());
        Assert.True(await raw.GetBlobClient("notes/n.jsonl").ExistsAsync());
        Assert.Equal(0, Result("long", RetentionRunner.Raw).Deleted);
        Assert.Empty(await quarantine.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "docs/" }).ToListAsync());
        Assert.Null((await client.Feedback.GetAsync("old-1")).Trace);
        Assert.Empty((await client.Feedback.GetAsync("old-1")).Scores);
        Assert.NotNull((await client.Feedback.GetAsync("new-1")).Trace);
        Assert.Equal(2, Result("ret", RetentionRunner.Traces).Deleted);
        var parts = await analytics.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = "traces/feature=ret/" }).Select(p => p.Name).ToListAsync();
        Assert.Equal($"traces/feature=ret/date={FeedbackPartitions.Day(now.AddDays(5))}/", Assert.Single(parts)[..^"part-01ARZ3NDEKTSV4RRFFQ69G5FAV.parquet".Length]);
        Assert.False(await client.Storage.Container(StorageNames.FeedbackContainer).GetBlobClient("ret/upload.jsonl").ExistsAsync());
        Assert.False(await client.Storage.Container(StorageNames.ReportsContainer).GetBlobClient("drift/ret/01ABC/report.json").ExistsAsync());
        Assert.Equal([setB.Id], (await client.Labeling.TaskSets.ListAsync("topics", CancellationToken.None)).Select(s => s.Id));
        Assert.Equal([setA.Node], Result("ret", RetentionRunner.TaskSets).Items);

        // Recorded: the report, one audit entry, a retention_run event for the feature that lost data.
        Assert.True(await client.Storage.Container(StorageNames.ReportsContainer).GetBlobClient(RetentionRunner.ReportPath(report.Id)).ExistsAsync());
        var entry = Assert.Single(await client.Governance.Audit.ListAsync(action: "retention.run").ToListAsync());
        Assert.Equal(report.Id, entry.Target);
        Assert.Equal("local:root", entry.Who);

        // b's hold released, b stays: the task set drawn from it is held too, and holds keep what they came from.
        await client.Holds.ReleaseAsync(b, "case closed");
        Assert.Empty((await later.Retention.RunAsync(dryRun: false)).Results.Single(r => r.Feature == "ret" && r.Kind == RetentionRunner.Raw).Items);
        await client.Holds.ReleaseAsync(setB.Node, "case closed");
        var next = await later.Retention.RunAsync(dryRun: false);
        Assert.Equal(["docs/b.jsonl"], next.Results.Single(r => r.Feature == "ret" && r.Kind == RetentionRunner.Raw).Items);
        Assert.Equal([setB.Node], next.Results.Single(r => r.Feature == "ret" && r.Kind == RetentionRunner.TaskSets).Items);
        Assert.True(await raw.GetBlobClient("docs/c.jsonl").ExistsAsync());
    }

    [Fact]
    public async Task FeatureHold_SuspendsRetention_AndHoldsNeedAnAdmin()
    {
        var connection = (await SharedAzurite.GetAsync()).ConnectionString;
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(connection, prefix, Caller.Local("root"));
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("kept").Source("files", idField: "id").Section(Short).Build(), "kept.yaml", CancellationToken.None);
        await client.Storage.Container(StorageNames.RawContainer).GetBlobClient("files/x.jsonl").UploadAsync(BinaryData.FromString("{\"id\":\"1\",\"body\":\"x\"}\n"));
        await client.Governance.GrantAsync("local:root", Role.Admin, null);
        await client.Governance.GrantAsync(TestIdentity.Principal, Role.Admin, null);

        using (var contributor = new LlmOpsClient(connection, prefix, Caller.Local("eve")))
        {
            await client.Governance.GrantAsync("local:eve", Role.Contributor, "kept");
            var refused = await Assert.ThrowsAsync<Errors.LlmOpsException>(() => contributor.Holds.AddAsync("feature:kept", "mine"));
            Assert.Equal(Errors.ErrorCode.Forbidden, refused.Code);
            await Assert.ThrowsAsync<Errors.LlmOpsException>(() => contributor.Retention.RunAsync(dryRun: false));
        }

        var (exit, text) = await CliRun.RunAsync("hold", "add", "feature:kept", "--reason", "litigation 7", "--connection-string", connection, "--storage-prefix", prefix);
        Assert.True(exit == 0, text);
        using var later = new LlmOpsClient(connection, prefix, Caller.Local("root"), new ShiftedClock(TimeSpan.FromDays(400)));
        var held = await later.Retention.RunAsync(dryRun: false);
        Assert.Equal(["kept"], held.HeldFeatures);
        Assert.True(await client.Storage.Container(StorageNames.RawContainer).GetBlobClient("files/x.jsonl").ExistsAsync());

        (exit, text) = await CliRun.RunAsync("hold", "list", "--connection-string", connection, "--storage-prefix", prefix);
        Assert.True(exit == 0, text);
        Assert.Contains("litigation 7", text, StringComparison.Ordinal);
        (exit, text) = await CliRun.RunAsync("hold", "release", "feature:kept", "--reason", "settled", "--connection-string", connection, "--storage-prefix", prefix);
        Assert.True(exit == 0, text);
        var released = await later.Retention.RunAsync(dryRun: false);
        Assert.Equal(["files/x.jsonl"], released.Results.Single(r => r.Kind == RetentionRunner.Raw).Items);
        Assert.Equal(2, await client.Governance.Audit.ListAsync(target: "feature:kept").CountAsync());
    }

    [Fact]
    public void RetentionSection_RejectsUnknownKeysAndDaysPastTenYears()
    {
        var parsed = LifecycleParser.Parse(new LifecycleBuilder("r").Source("s").Section(Short).Build());
        Assert.Equal(30, parsed.Retention.TaskSetsDays);
        Assert.Null(LifecycleParser.Parse(new LifecycleBuilder("r").Source("s").Build()).Retention.RawDays);
        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse(new LifecycleBuilder("r").Source("s").Section("retention: { raw_days: 4000, logs_days: 3 }").Build()));
        Assert.Contains(error.Errors, e => e.Field == "retention.raw_days" && e.Expected.Contains("3650", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "retention.logs_days");
    }

    private sealed class ShiftedClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + ahead;
    }
}
