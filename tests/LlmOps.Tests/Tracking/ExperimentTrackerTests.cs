using LlmOps.Errors;
using LlmOps.Lineage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;

namespace LlmOps.Tests.Tracking;

public sealed class ExperimentTrackerTests
{
    private static async Task<(ExperimentTracker Tracker, LineageStore Lineage)> CreateAsync()
    {
        var storage = await SharedAzurite.AccountAsync();
        var lineage = new LineageStore(storage, TimeProvider.System);
        return (new ExperimentTracker(storage, lineage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System), lineage);
    }

    private static string Experiment() => "exp-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Run_LogsEverything_ShowReadsItBack()
    {
        var (tracker, lineage) = await CreateAsync();
        var experiment = Experiment();
        var dataset = $"dataset:{experiment}@abcdefabcdef";
        var run = await tracker.StartRunAsync(experiment, new RunStart
        {
            Name = "bm25-top5",
            Params = new Dictionary<string, string> { ["retriever"] = "bm25", ["top_k"] = "5" },
            Tags = new Dictionary<string, string> { ["feature"] = "support-answers" },
            Inputs = [new RunInput(dataset, RunInput.Evaluation)],
            GitRevision = "0123456789abcdef0123456789abcdef01234567",
        });
        Assert.StartsWith("run:", run.Id, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Running, run.Status);

        var start = DateTimeOffset.UtcNow;
        var points = Enumerable.Range(0, 250).Select(step => new MetricPoint("loss", 1.0 / (step + 1), step, start.AddMilliseconds(step))).ToList();
        points.Add(new MetricPoint("answer_accuracy", 0.81, 0, start));
        await tracker.LogMetricsAsync(run.Id, points);
        await tracker.LogArtifactAsync(run.Id, "prompts/answer.txt", BinaryData.FromString("Answer: {{question}}"));
        var ended = await tracker.EndRunAsync(run.Id);
        Assert.Equal(RunStatus.Finished, ended.Status);

        var details = await tracker.GetRunAsync(run.Id);
        Assert.NotNull(details);
        Assert.Equal(RunStatus.Finished, details.Info.Status);
        Assert.NotNull(details.Info.EndTime);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", details.Info.GitRevision);
        Assert.Equal("bm25", details.Params["retriever"]);
        Assert.Equal("support-answers", details.Tags["feature"]);
        Assert.Equal(new RunInput(dataset, RunInput.Evaluation), Assert.Single(details.Inputs));
        Assert.Equal(249, details.LatestMetrics["loss"].Step);
        Assert.Equal(1.0 / 250, details.LatestMetrics["loss"].Value, 12);
        Assert.Equal(0.81, details.LatestMetrics["answer_accuracy"].Value);
        Assert.Equal(["prompts/answer.txt"], details.Artifacts);
        Assert.Equal("Answer: {{question}}", (await tracker.ReadArtifactAsync(run.Id, "prompts/answer.txt")).ToString());

        var history = await tracker.GetMetricHistoryAsync(run.Id, "loss");
        Assert.Equal(Enumerable.Range(0, 250).Select(i => (long)i), history.Select(p => p.Step));
        Assert.Equal(points.Take(250).Select(p => p.Timestamp), history.Select(p => p.Timestamp)); // the logged time, not the server's write time

        var edge = Assert.Single((await lineage.QueryAsync(run.Id, LineageDirection.Upstream, 1, CancellationToken.None)).Edges);
        Assert.Equal((dataset, run.Id, LineageRelation.EvaluatedOn), (edge.From, edge.To, edge.Relation));
    }

    [Fact]
    public async Task Param_LoggedAgainWithAnotherValue_RefusedLikeMlflow()
    {
        var (tracker, _) = await CreateAsync();
        var run = await tracker.StartRunAsync(Experiment());
        await tracker.LogParamAsync(run.Id, "lr", "0.1");
        await tracker.LogParamAsync(run.Id, "lr", "0.1");
        var error = await ExpectError.ThrowsAsync(ErrorCode.Conflict, () => tracker.LogParamAsync(run.Id, "lr", "0.2"));
        Assert.Contains("already '0.1'", error.Message, StringComparison.Ordinal);
        Assert.Equal("0.1", (await tracker.GetRunAsync(run.Id))!.Params["lr"]);

        // A name past '~' in ordinal order (any non-ASCII letter) is found by the prefix range too.
        await tracker.LogParamAsync(run.Id, "élan", "0.7");
        await tracker.LogParamAsync(run.Id, "élan", "0.7");
        await ExpectError.ThrowsAsync(ErrorCode.Conflict, () => tracker.LogParamAsync(run.Id, "élan", "0.9"));
    }

    [Fact]
    public async Task BadInput_ClearErrors_NothingWritten()
    {
        var (tracker, _) = await CreateAsync();
        var run = await tracker.StartRunAsync(Experiment());
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => tracker.LogMetricAsync(run.Id, "loss", double.NaN));
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => tracker.LogMetricAsync(run.Id, "bad|name", 1));
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => tracker.LogMetricAsync(run.Id, "loss", 1, step: -1));
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => tracker.LogArtifactAsync(run.Id, "../escape.txt", BinaryData.FromString("x")));
        await ExpectError.ThrowsAsync(ErrorCode.NotFound, () => tracker.LogMetricAsync("run:01JD0000000000000000000000", "loss", 1));
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => tracker.GetRunAsync("01JD-not-a-run"));
        Assert.Empty((await tracker.GetRunAsync(run.Id))!.LatestMetrics);
    }

    [Fact]
    public async Task ListRuns_ExperimentNameWithQuote_OnlyItsOwnRuns_NewestFirst()
    {
        var (tracker, _) = await CreateAsync();
        var plain = Experiment();
        var hostile = plain + "' or PartitionKey ne '";
        var first = await tracker.StartRunAsync(hostile.Replace("'", "", StringComparison.Ordinal) + "x");
        var a = await tracker.StartRunAsync(plain);
        var b = await tracker.StartRunAsync(plain);
        var h = await tracker.StartRunAsync("q " + plain + ":/x");

        Assert.Equal([b.Id, a.Id], (await tracker.ListRunsAsync(plain).ToListAsync()).Select(r => r.Id));
        Assert.Empty(await tracker.ListRunsAsync(hostile).ToListAsync());
        Assert.Equal([h.Id], (await tracker.ListRunsAsync("q " + plain + ":/x").ToListAsync()).Select(r => r.Id));
        Assert.DoesNotContain(first.Id, (await tracker.ListRunsAsync(plain).ToListAsync()).Select(r => r.Id));
        var experiments = await tracker.ListExperimentsAsync().ToListAsync();
        Assert.Equal(2, experiments.Single(e => e.Name == plain).Runs);
        string[] mine = [first.Id, a.Id, b.Id, h.Id];
        Assert.Equal([h.Id, b.Id, a.Id, first.Id], await tracker.ListRunsAsync().Where(r => mine.Contains(r.Id)).Select(r => r.Id).ToListAsync());
    }

    [Fact]
    public async Task TrackedRun_BuffersMetrics_DisposeFinishes()
    {
        var (tracker, _) = await CreateAsync();
        string id;
        await using (var run = await tracker.StartTrackedRunAsync(Experiment()))
        {
            id = run.Id;
            for (var step = 0; step < 130; step++)
            {
                run.LogMetric("recall_at_5", step / 130.0, step);
            }
        }

        var details = await tracker.GetRunAsync(id);
        Assert.Equal(RunStatus.Finished, details!.Info.Status);
        Assert.Equal(130, (await tracker.GetMetricHistoryAsync(id, "recall_at_5")).Count);
    }

    [Fact]
    public async Task TrackedRun_StampsMetricsWithTheTrackersClock()
    {
        var storage = await SharedAzurite.AccountAsync();
        var clock = new FixedClock(new DateTimeOffset(2031, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var tracker = new ExperimentTracker(storage, new LineageStore(storage, clock), new LlmOps.Governance.ChangeControl(storage, clock), clock);
        string id;
        await using (var run = await tracker.StartTrackedRunAsync(Experiment()))
        {
            id = run.Id;
            run.LogMetric("mrr", 0.5);
        }

        Assert.Equal(clock.GetUtcNow(), Assert.Single(await tracker.GetMetricHistoryAsync(id, "mrr")).Timestamp);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
