using System.Diagnostics;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.Benchmarks;

/// <summary>
/// Blob trigger latency (upload to handler start) and no-op handler throughput on the local host, with the raw
/// Azurite upload rate of the same blobs as the baseline.
/// </summary>
internal static class BlobTriggerBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int drops, int throughputBlobs, int uploadConcurrency)
    {
        var storage = new StorageAccount(azurite.ConnectionString);
        var payload = BinaryData.FromBytes(new byte[1024]);
        var results = new List<(string, string)>();

        // Baseline: the raw upload rate of the blobs the throughput run then processes.
        var backlog = storage.Container("bench-backlog-" + Guid.NewGuid().ToString("N")[..8]);
        await backlog.CreateAsync();
        var names = Enumerable.Range(0, throughputBlobs).Select(i => $"drop-{i:00000}.bin").ToList();
        var uploadClock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = uploadConcurrency }, async (name, ct) =>
            await backlog.UploadBlobAsync(name, payload, ct));
        var uploadRate = throughputBlobs / uploadClock.Elapsed.TotalSeconds;
        results.Add(("Baseline: raw Azurite upload rate (1 KiB blobs, " + uploadConcurrency + " parallel)", $"{uploadRate:0} blobs/s"));

        // Throughput: a host started on the backlog, until every blob's handler ran.
        var backlogHandler = new TimestampingBlobHandler();
        await using (var host = await StartHostAsync(azurite, backlog.Name, "BenchBacklog", backlogHandler))
        {
            var clock = Stopwatch.StartNew();
            await WaitAsync(() => backlogHandler.Started.Count == throughputBlobs, TimeSpan.FromMinutes(10), "the backlog to drain");
            var rate = throughputBlobs / clock.Elapsed.TotalSeconds;
            results.Add(("No-op blob handler throughput (backlog of " + throughputBlobs + ")", $"{rate:0} blobs/s"));
            results.Add(("  ratio to raw upload rate", $"{rate / uploadRate:0.00}"));
        }

        // Latency: one drop at a time into a watched container; upload end to handler start. Drops arrive after a
        // random pause (fixed seed) so they land at any point of the scan cycle, as real drops do.
        var arrivals = new Random(42);
        var watched = storage.Container("bench-latency-" + Guid.NewGuid().ToString("N")[..8]);
        await watched.CreateAsync();
        var handler = new TimestampingBlobHandler();
        var uploaded = new Dictionary<string, long>(StringComparer.Ordinal);
        var uploadDurations = new List<double>();
        await using (var host = await StartHostAsync(azurite, watched.Name, "BenchLatency", handler))
        {
            for (var i = 0; i < drops; i++)
            {
                var name = $"drop-{i:00000}.bin";
                await Task.Delay(arrivals.Next(0, 250));
                var before = Stopwatch.GetTimestamp();
                await watched.UploadBlobAsync(name, payload);
                uploaded[name] = Stopwatch.GetTimestamp();
                uploadDurations.Add(Stopwatch.GetElapsedTime(before, uploaded[name]).TotalMilliseconds);
                await WaitAsync(() => handler.Started.ContainsKey(name), TimeSpan.FromSeconds(30), $"{name} to be handled");
            }
        }

        var latencies = uploaded.Select(u => Stopwatch.GetElapsedTime(u.Value, handler.Started[u.Key]).TotalMilliseconds).Order().ToList();
        var uploadMedian = Median(uploadDurations.Order().ToList());
        results.Add(("Baseline: single upload round trip (median)", $"{uploadMedian:0.0} ms"));
        results.Add(($"Upload to handler start over {drops} drops (median)", $"{Median(latencies):0.0} ms"));
        results.Add(("  p95", $"{latencies[(int)Math.Ceiling(latencies.Count * 0.95) - 1]:0.0} ms"));
        results.Add(("  ratio of median to one upload round trip", $"{Median(latencies) / uploadMedian:0.0}"));
        results.Add(("  blob scan interval (LlmOps:Host:BlobPollInterval)", $"{new LocalHostOptions().BlobPollInterval.TotalMilliseconds:0} ms"));
        return results;
    }

    private static async Task<LocalFunctionHost> StartHostAsync(AzuriteServer azurite, string container, string function, TimestampingBlobHandler handler)
    {
        var settings = new LocalFunctionHostSettings
        {
            Catalog = new FunctionCatalog([FunctionDefinition.Blob<TimestampingBlobHandler>(function + Guid.NewGuid().ToString("N")[..6], container + "/{name}")]),
            ConfigureServices = s => s.AddSingleton(handler),
            ConfigureLogging = l => l.ClearProviders(),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        return host;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(1);
        }
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
