using System.Diagnostics;
using Azure.Data.Tables;
using LlmOps.Development;
using LlmOps.Lineage;
using LlmOps.Storage;
using LlmOps.Tracking;

namespace LlmOps.Benchmarks;

/// <summary>
/// Metric logging (batched transactions of 100 against individual upserts of the same rows, same parallelism) and
/// lineage walks of depth 6 over a 10k-node graph (against one point read, the storage round trip).
/// </summary>
internal static class TrackingBenchmark
{
    private const int Parallelism = 4;

    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int points, int graphNodes)
    {
        var storage = new StorageAccount(azurite.ConnectionString);
        await StorageProvisioner.EnsureAsync(storage);
        var lineage = new LineageStore(storage, TimeProvider.System);
        var tracker = new ExperimentTracker(storage, lineage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System);
        var results = new List<(string, string)>();

        // Baseline: the same metric rows upserted one by one (a sample of them; a rate is a rate).
        var individualRun = await tracker.StartRunAsync("bench-metrics", new RunStart { GitRevision = "bench" });
        var table = storage.Table(StorageNames.RunMetricsTable);
        var individual = Math.Min(points, 5000);
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, individual), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (step, ct) =>
        {
            var point = new MetricPoint("loss", 1.0 / (step + 1), step, start.AddTicks(step));
            await table.UpsertEntityAsync(
                new TableEntity(TableKey.Encode(individualRun.Id), ExperimentTracker.MetricRowKey(point)) { ["Key"] = point.Key, ["Value"] = point.Value, ["Step"] = point.Step, ["Timestamp"] = point.Timestamp },
                TableUpdateMode.Replace,
                ct);
        });
        var individualRate = individual / clock.Elapsed.TotalSeconds;
        results.Add(($"Baseline: individual metric upserts ({individual} points, {Parallelism} parallel)", $"{individualRate:0} points/s"));

        var batchedRun = await tracker.StartRunAsync("bench-metrics", new RunStart { GitRevision = "bench" });
        var batch = Enumerable.Range(0, points).Select(step => new MetricPoint("loss", 1.0 / (step + 1), step, start.AddTicks(step))).ToList();
        clock.Restart();
        await tracker.LogMetricsAsync(batchedRun.Id, batch);
        var batchedRate = points / clock.Elapsed.TotalSeconds;
        var stored = (await tracker.GetMetricHistoryAsync(batchedRun.Id, "loss")).Count;
        if (stored != points)
        {
            throw new InvalidOperationException($"Logged {points} points but read back {stored}.");
        }

        results.Add(($"Batched metric logging, {points} points (transactions of {ExperimentTracker.MetricBatchSize})", $"{batchedRate:0} points/s ({clock.Elapsed.TotalSeconds:0.0} s)"));
        results.Add(("  ratio to individual upserts", $"{batchedRate / individualRate:0.0} x"));

        // Lineage: a graph shaped like real lineage, blob -> prep -> dataset -> index -> run -> model -> deploy.
        clock.Restart();
        var graph = await BuildGraphAsync(lineage, graphNodes);
        results.Add(($"Lineage graph built: {graph.Nodes} nodes, {graph.Edges} edges", $"{clock.Elapsed.TotalSeconds:0} s"));

        var pointReads = new List<double>();
        var upWalks = new List<double>();
        var downWalks = new List<double>();
        var reached = new List<int>();
        var random = new Random(7);
        for (var i = 0; i < 60; i++)
        {
            var deploy = graph.Deployments[random.Next(graph.Deployments.Count)];
            var blob = graph.Blobs[random.Next(graph.Blobs.Count)];
            var before = Stopwatch.GetTimestamp();
            _ = await lineage.GetNodeAsync(deploy, CancellationToken.None);
            pointReads.Add(Stopwatch.GetElapsedTime(before).TotalMilliseconds);

            before = Stopwatch.GetTimestamp();
            var up = await lineage.QueryAsync(deploy, LineageDirection.Upstream, 6, CancellationToken.None);
            upWalks.Add(Stopwatch.GetElapsedTime(before).TotalMilliseconds);
            reached.Add(up.Nodes.Count);
            if (!up.Nodes.Any(n => n.Id.StartsWith("blob:", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"The upstream walk from {deploy} did not reach a source blob.");
            }

            before = Stopwatch.GetTimestamp();
            _ = await lineage.QueryAsync(blob, LineageDirection.Downstream, 6, CancellationToken.None);
            downWalks.Add(Stopwatch.GetElapsedTime(before).TotalMilliseconds);
        }

        var read = Median(pointReads);
        results.Add(("Baseline: one lineage node point read (median)", $"{read:0.0} ms"));
        results.Add(($"Lineage walk depth 6, deployment -> source blobs (median, {Median(reached.Select(r => (double)r).ToList()):0} nodes reached)", $"{Median(upWalks):0.0} ms = {Median(upWalks) / read:0.0} x a point read"));
        results.Add(("Lineage walk depth 6, source blob -> deployments (median)", $"{Median(downWalks):0.0} ms = {Median(downWalks) / read:0.0} x a point read"));
        return results;
    }

    internal static async Task<(int Nodes, int Edges, List<string> Blobs, List<string> Deployments)> BuildGraphAsync(LineageStore lineage, int nodes)
    {
        // Layer sizes in proportion to a busy feature: many drops and datasets, fewer indexes, runs, models and deployments.
        var tag = Guid.NewGuid().ToString("N")[..6];
        var blobs = nodes * 3 / 10;
        var preps = 10;
        var datasets = blobs;
        var indexes = datasets / 2;
        var runs = indexes;
        var models = runs * 2 / 5;
        var deploys = nodes - blobs - preps - datasets - indexes - runs - models;
        var events = new List<LineageEvent>();
        for (var i = 0; i < blobs; i++)
        {
            var run = Guid.NewGuid();
            var prep = $"prep:bench{tag}@v{i % preps}-000000";
            events.Add(Event("llmops.etl/bench", run, LineageRelation.Used, $"blob:raw/bench/{tag}-{i}.jsonl@0x{i:X}", prep));
            events.Add(Event("llmops.etl/bench", run, LineageRelation.ProducedBy, prep, $"dataset:bench{tag}@{i:x12}"));
        }

        for (var i = 0; i < indexes; i++)
        {
            foreach (var source in new[] { 2 * i, (2 * i) + 1 })
            {
                events.Add(Event("llmops.embed/bench", Guid.NewGuid(), LineageRelation.DerivedFrom, $"dataset:bench{tag}@{source:x12}", $"index:bench{tag}@{i:x12}/lexical"));
            }

            events.Add(Event("llmops.experiment/bench", Guid.NewGuid(), LineageRelation.EvaluatedOn, $"index:bench{tag}@{i:x12}/lexical", $"run:bench{tag}{i:D6}"));
        }

        for (var i = 0; i < models; i++)
        {
            events.Add(Event("llmops.experiment/bench", Guid.NewGuid(), LineageRelation.ProducedBy, $"run:bench{tag}{i * runs / models:D6}", $"model:bench{tag}/{i + 1}"));
        }

        for (var i = 0; i < deploys; i++)
        {
            events.Add(Event("llmops.deploy/prod", Guid.NewGuid(), LineageRelation.DeployedAs, $"model:bench{tag}/{(i % models) + 1}", $"deploy:prod/bench{tag}-{i}"));
        }

        var done = 0;
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (e, ct) =>
        {
            await lineage.RecordAsync(e, ct);
            if (Interlocked.Increment(ref done) % 5000 == 0)
            {
                Console.WriteLine($"  lineage graph: {done}/{events.Count} edges written");
            }
        });

        return (blobs + preps + datasets + indexes + runs + models + deploys, events.Count,
            [.. Enumerable.Range(0, blobs).Select(i => $"blob:raw/bench/{tag}-{i}.jsonl@0x{i:X}")],
            [.. Enumerable.Range(0, deploys).Select(i => $"deploy:prod/bench{tag}-{i}")]);

        static LineageEvent Event(string job, Guid run, string relation, string from, string to) =>
            new(job, run, relation, [new LineageDataset(from)], [new LineageDataset(to)]);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
