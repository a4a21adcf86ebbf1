using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Development;
using LlmOps.Feedback;
using LlmOps.Lifecycle;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;
using Trace = LlmOps.Feedback.Trace;

namespace LlmOps.Benchmarks;

/// <summary>
/// Feedback at scale. HTTP ingestion through the local host (batches of 100 traces, 8 clients and 1), in events/s with
/// the p99 request latency, against raw Table transactions of the same entities in the same batches (same concurrency).
/// <c>feedback stats</c> with DuckDB over <c>events</c> traces in Parquet (cold: downloading the parts first; warm: from
/// the local cache), in events/s and bytes scanned per second against the memory bandwidth, against reading
/// <c>tableEvents</c> of the same rows back from Table storage and aggregating them in memory (events/s).
/// </summary>
internal static class FeedbackBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int httpEvents, int events, int tableEvents)
    {
        var rows = new List<(string, string)>();
        var prefix = "fb" + Guid.NewGuid().ToString("N")[..6];
        var storage = new StorageAccount(azurite.ConnectionString, prefix);
        await StorageProvisioner.EnsureAsync(storage);
        using (var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System)))
        {
            await catalog.PublishAsync("feature: bench\nsources:\n  - name: docs\n    path: raw/docs/\n    id_field: id\n    text_field: body\n    schema:\n      id: { type: string, required: true }\n      body: { type: string, required: true }\n", "bench.yaml", CancellationToken.None);
        }

        var settings = new LocalFunctionHostSettings
        {
            Catalog = new FunctionCatalog([.. TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.PostTraces)]),
            ConfigureLogging = l => l.ClearProviders(),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Storage:Prefix"] = prefix;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        await using var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var key = Uri.EscapeDataString((await host.GetKeysAsync()).FunctionKey);

        var runs = await Repeated.RunAsync(async run =>
        {
            var tag = $"r{run + 1}-{Guid.NewGuid():N}"[..12];
            var (rate8, p99) = await PostAsync(http, key, tag + "-8", httpEvents, 8);
            var (rate1, _) = await PostAsync(http, key, tag + "-1", httpEvents / 8, 1);
            var raw = await RawUpsertsAsync(storage, tag, httpEvents, 8, perRequest: true);
            var whole = await RawUpsertsAsync(storage, tag + "w", httpEvents, 8, perRequest: false);
            return (rate8, p99, rate1, raw, whole);
        });
        rows.Add(($"Baseline: raw Table transactions of the same entities in the same batches of 100 (each grouped by partition, 8 in flight, {httpEvents:N0} events)", Repeated.Of(runs.Select(r => r.raw)).Format("0", " events/s")));
        rows.Add(("  for reference: the same entities grouped by partition across all batches (the fewest transactions)", Repeated.Of(runs.Select(r => r.whole)).Format("0", " events/s")));
        rows.Add(($"HTTP ingestion, POST /api/traces in batches of 100, 8 clients ({httpEvents:N0} events)", Repeated.Of(runs.Select(r => r.rate8)).Format("0", " events/s")));
        rows.Add(("  ratio to raw Table transactions (target at least 0.5)", Repeated.Of(runs.Select(r => r.rate8 / r.raw)).Format("0.00")));
        rows.Add(("  p99 request latency, 8 clients", Repeated.Of(runs.Select(r => r.p99)).Format("0", " ms")));
        rows.Add(("HTTP ingestion, 1 client", Repeated.Of(runs.Select(r => r.rate1)).Format("0", " events/s")));

        // Statistics over `events` traces in Parquet, generated as the ingestion writes them (parts of 100,000).
        var clock = Stopwatch.StartNew();
        var partitions = new FeedbackPartitions(storage, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        for (var start = 0; start < events; start += 100_000)
        {
            await partitions.AppendTracesAsync([.. Enumerable.Range(start, Math.Min(100_000, events - start)).Select(i => Synthetic(i, now))]);
        }

        rows.Add(($"Setup: {events:N0} traces written as Parquet parts", $"{clock.Elapsed.TotalSeconds:0} s"));
        var analytics = new FeedbackAnalytics(storage);
        clock.Restart();
        var cold = await analytics.StatsAsync(StatsFeature, now.AddDays(-7), "prompt");
        var coldSeconds = clock.Elapsed.TotalSeconds;
        if (cold.Groups.Sum(g => g.Requests) != events)
        {
            throw new InvalidOperationException($"stats counted {cold.Groups.Sum(g => g.Requests)} of {events} traces.");
        }

        var bandwidthData = new float[64 << 20];
        Array.Fill(bandwidthData, 1f);
        var stats = await Repeated.RunAsync(async _ =>
        {
            var bandwidth = MemoryBandwidth.Measure(bandwidthData);
            var watch = Stopwatch.StartNew();
            var result = await analytics.StatsAsync(StatsFeature, now.AddDays(-7), "prompt");
            return (Seconds: watch.Elapsed.TotalSeconds, result.Bytes, Bandwidth: bandwidth);
        });
        rows.Add(($"feedback stats --by prompt over {events:N0} traces, cold (parts downloaded first)", $"{coldSeconds:0.0} s ({events / coldSeconds:N0} events/s)"));
        rows.Add(("feedback stats, warm (local cache), DuckDB on every core", Repeated.Of(stats.Select(s => events / s.Seconds)).Format("N0", " events/s")));
        rows.Add(("  Parquet bytes scanned per second", Repeated.Of(stats.Select(s => s.Bytes / s.Seconds / 1e6)).Format("0", " MB/s")));
        rows.Add(("  against the memory bandwidth (a vectorized sum on every core)", Repeated.Of(stats.Select(s => s.Bytes / s.Seconds / 1e9 / s.Bandwidth)).Format("0.000", "x")));

        var table = await TableBaselineAsync(storage, tableEvents, now);
        rows.Add(($"Baseline: {tableEvents:N0} of the same rows read back from Table storage and aggregated in memory", Repeated.Of(table).Format("N0", " events/s")));
        rows.Add(("  ratio of warm stats to the Table baseline (events/s)", Repeated.Of(stats.Zip(table).Select(p => events / p.First.Seconds / p.Second)).Format("0.0", "x")));
        return rows;
    }

    /// <summary>The generated traces' feature, apart from the HTTP runs' traces.</summary>
    private const string StatsFeature = "bench-stats";

    private static Trace Synthetic(int i, DateTimeOffset now) => new(
        $"t-{i:D9}", now.AddSeconds(-(i % 86_400)), StatsFeature, "deploy:prod/1", i % 3 == 0 ? "prompt:answer/2" : "prompt:answer/1", "gpt-4o-mini", "azure.ai.openai",
        null, null, [], 50 + (i % 977), 100 + (i % 50), 20 + (i % 30), 0, 0, 0.00001 * (i % 7), i % 53 == 0 ? Trace.Failed : Trace.Ok, null, i % 97 == 0 ? ["pii_leak:email"] : [], null, null);

    private static async Task<(double Rate, double P99)> PostAsync(HttpClient http, string key, string tag, int count, int clients)
    {
        var batches = Enumerable.Range(0, count / 100).Select(b => Enumerable.Range(b * 100, 100).Select(i => new
        {
            id = $"{tag}-{i}", feature = "bench", promptVersion = "prompt:answer/1", model = "gpt-4o-mini", output = "an answer", latencyMs = 120, usage = new { input = 100, output = 20 },
        }).ToList()).ToList();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = clients }, async (batch, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsJsonAsync(new Uri($"/api/traces?code={key}", UriKind.Relative), batch, JsonSerializerOptions.Web, ct);
            response.EnsureSuccessStatusCode();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        var rate = batches.Count * 100 / clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return (rate, sorted[Math.Max(0, (int)Math.Ceiling(sorted.Length * 0.99) - 1)]);
    }

    /// <param name="perRequest">Group by partition within each batch of 100 a client sends (the same request shape), or across all.</param>
    private static async Task<double> RawUpsertsAsync(StorageAccount storage, string tag, int count, int inFlight, bool perRequest)
    {
        var table = storage.Table(StorageNames.FeedbackTable);
        var entities = Enumerable.Range(0, count).Select(i =>
        {
            var id = $"{tag}-raw-{i}";
            return new TraceRow { PartitionKey = FeedbackStore.PartitionOf(id), RowKey = FeedbackStore.TraceRowKey(id), Id = id, Time = DateTimeOffset.UtcNow, Feature = "bench", PromptVersion = "prompt:answer/1", Model = "gpt-4o-mini", Output = "an answer", LatencyMs = 120, InputTokens = 100, OutputTokens = 20 };
        }).ToList();
        var groups = perRequest
            ? entities.Chunk(100).SelectMany(batch => batch.GroupBy(e => e.PartitionKey).Select(g => g.ToArray())).ToList()
            : entities.GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(100)).ToList();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (group, ct) =>
            await table.SubmitTransactionAsync(group.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));
        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<IReadOnlyList<double>> TableBaselineAsync(StorageAccount storage, int count, DateTimeOffset now)
    {
        var table = storage.Table("fbbaseline" + Guid.NewGuid().ToString("N")[..6]);
        await table.CreateAsync();
        var rows = Enumerable.Range(0, count).Select(i => Synthetic(i, now)).Select(t => new TraceRow
        {
            PartitionKey = FeedbackStore.PartitionOf(t.Id), RowKey = FeedbackStore.TraceRowKey(t.Id), Id = t.Id, Time = t.Time, Feature = t.Feature, Deployment = t.Deployment,
            PromptVersion = t.PromptVersion, Model = t.Model, LatencyMs = t.LatencyMs, InputTokens = t.InputTokens, OutputTokens = t.OutputTokens, CostUsd = t.CostUsd, Status = t.Status, SafetyFlags = string.Join(',', t.SafetyFlags),
        }).ToList();
        await Parallel.ForEachAsync(rows.GroupBy(r => r.PartitionKey).SelectMany(g => g.Chunk(100)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (group, ct) =>
            await table.SubmitTransactionAsync(group.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));
        return (await Repeated.RunAsync(async _ =>
        {
            var clock = Stopwatch.StartNew();
            var byPrompt = new Dictionary<string, (long Count, double Cost, List<double> Latency)>(StringComparer.Ordinal);
            await foreach (var row in table.QueryAsync<TraceRow>())
            {
                var key = row.PromptVersion ?? "(none)";
                var (n, cost, latency) = byPrompt.TryGetValue(key, out var found) ? found : (0, 0, new List<double>());
                latency.Add(row.LatencyMs ?? 0);
                byPrompt[key] = (n + 1, cost + (row.CostUsd ?? 0), latency);
            }

            foreach (var (_, (_, _, latency)) in byPrompt)
            {
                latency.Sort();
                GC.KeepAlive(latency[(int)(latency.Count * 0.95)]);
            }

            return count / clock.Elapsed.TotalSeconds;
        })).ToList();
    }
}
