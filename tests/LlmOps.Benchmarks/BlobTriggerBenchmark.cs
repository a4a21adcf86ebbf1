using System.Diagnostics;
using LlmOps.Development;
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
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int drops, int throughputBlobs, int uploadConcurrency, int finished)
    {
        var storage = new StorageAccount(azurite.ConnectionString);
        var payload = BinaryData.FromBytes(new byte[1024]);
        var results = new List<(string, string)>();

        // History: a container already holding `finished` blobs the host has handled (receipts completed, scan
        // watermark past them), as a host that has run for a while has.
        var backlog = storage.Container("bench-backlog-" + Guid.NewGuid().ToString("N")[..8]);
        await backlog.CreateAsync();
        var function = "BenchBacklog" + Guid.NewGuid().ToString("N")[..6];
        if (finished > 0)
        {
            // Seeded as a host leaves them: the blobs, a completed receipt for each, and the scan watermark past them.
            // (Running a host over 100,000 blobs takes Azurite about half an hour here; the state it leaves is this.)
            var clock = Stopwatch.StartNew();
            var etags = new System.Collections.Concurrent.ConcurrentDictionary<string, Azure.Storage.Blobs.Models.BlobContentInfo>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(Enumerable.Range(0, finished).Select(i => $"done-{i:000000}.bin"), new ParallelOptions { MaxDegreeOfParallelism = uploadConcurrency }, async (name, ct) =>
                etags[name] = (await backlog.UploadBlobAsync(name, payload, ct)).Value);
            Console.WriteLine($"history: {finished} blobs uploaded in {clock.Elapsed.TotalSeconds:0} s");
            await StorageProvisioner.EnsureAsync(storage);
            var hosts = storage.Container(StorageNames.HostContainer);
            var receipts = storage.Table(StorageNames.BlobReceiptsTable);
            var rows = etags.Select(blob => BlobReceiptStore.RowOf(
                new BlobReceipt(function, backlog.Name, blob.Key, BlobTriggerListener.Quoted(blob.Value.ETag).ToString(), BlobReceiptStatus.Completed, 1, null, DateTimeOffset.UtcNow), null));
            await Parallel.ForEachAsync(rows.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = uploadConcurrency }, async (batch, ct) =>
                await receipts.SubmitTransactionAsync(batch.Select(row => new Azure.Data.Tables.TableTransactionAction(Azure.Data.Tables.TableTransactionActionType.Add, row)), ct));
            // Past the newest finished blob; blob times are whole seconds, so new uploads start a second after it.
            var settledBefore = etags.Values.Max(b => b.LastModified) + TimeSpan.FromSeconds(1);
            await hosts.GetBlobClient(BlobTriggerListener.WatermarkBlobName(function, backlog.Name)).UploadAsync(
                BinaryData.FromObjectAsJson(new BlobTriggerListener.ScanWatermark(settledBefore), System.Text.Json.JsonSerializerOptions.Web), overwrite: true);
            while (DateTimeOffset.UtcNow < settledBefore + TimeSpan.FromSeconds(1))
            {
                await Task.Delay(100);
            }
            results.Add(($"History: {finished} finished blobs with completed receipts and the scan watermark (setup, once)", $"{clock.Elapsed.TotalSeconds:0} s"));
        }

        // Throughput, parallel and on one thread: a running host watches the container, history included; each
        // repetition uploads a new backlog, and the rate at which the handler starts on it (from the first upload to
        // the last start) is compared with the raw upload rate of the same repetition.
        foreach (var (label, uploads, parallelism) in new[] { ($"{uploadConcurrency} parallel uploads, host default parallelism", uploadConcurrency, (int?)null), ("1 upload at a time, host maxDegreeOfParallelism 1", 1, (int?)1) })
        {
            var backlogHandler = new TimestampingBlobHandler();
            await using var backlogHost = await StartHostAsync(azurite, backlog.Name, function, backlogHandler, parallelism);
            // The baseline uploads the same number of blobs into a container no function watches, before the backlog
            // and not at the same time: run concurrently, the host's load would slow the baseline it is compared with.
            var unwatched = storage.Container("bench-unwatched-" + Guid.NewGuid().ToString("N")[..8]);
            await unwatched.CreateAsync();
            var runs = await Repeated.RunAsync(async run =>
            {
                var names = Enumerable.Range(0, throughputBlobs).Select(i => $"new-{parallelism ?? 0}-{run + 1}-{i:000000}.bin").ToList();
                var baselineStarted = Stopwatch.GetTimestamp();
                (TimeSpan Azurite, TimeSpan Own) cpu = (azurite.ProcessorTime, Environment.CpuUsage.TotalTime);
                await UploadAsync(unwatched, names, payload, uploads);
                var uploadRate = throughputBlobs / Stopwatch.GetElapsedTime(baselineStarted).TotalSeconds;
                var uploadCpu = CpuPerBlob(ref cpu);
                var started = Stopwatch.GetTimestamp();
                await UploadAsync(backlog, names, payload, uploads);
                await WaitAsync(() => names.All(backlogHandler.Started.ContainsKey), TimeSpan.FromMinutes(30), "the backlog to be handled");
                var last = names.Max(n => backlogHandler.Started[n]);
                var handledCpu = CpuPerBlob(ref cpu);
                // CPU per blob since the last reading, Azurite's and this process's; the reading moves on.
                (double Azurite, double Own) CpuPerBlob(ref (TimeSpan Azurite, TimeSpan Own) since)
                {
                    (TimeSpan Azurite, TimeSpan Own) now = (azurite.ProcessorTime, Environment.CpuUsage.TotalTime);
                    var perBlob = ((now.Azurite - since.Azurite).TotalMilliseconds / throughputBlobs, (now.Own - since.Own).TotalMilliseconds / throughputBlobs);
                    since = now;
                    return perBlob;
                }

                return (Upload: uploadRate, Handled: throughputBlobs / Stopwatch.GetElapsedTime(started, last).TotalSeconds, UploadCpu: uploadCpu, HandledCpu: handledCpu);
            });
            results.Add(($"Baseline: raw Azurite upload rate (1 KiB blobs into an unwatched container, the host idling beside it, {label})", Repeated.Of(runs.Select(r => r.Upload)).Format("0", " blobs/s")));
            results.Add(($"No-op blob handler throughput, backlog of {throughputBlobs} beside {finished} finished ({label})", Repeated.Of(runs.Select(r => r.Handled)).Format("0", " blobs/s")));
            results.Add(("  ratio to raw upload rate (target at least 0.5)", Repeated.Of(runs.Select(r => r.Handled / r.Upload)).Format("0.00")));
            // Where the time goes: the emulator serves every request on one thread, and this process (uploads and host) shares the cores with it.
            results.Add(("  CPU per blob, Azurite: raw upload / upload and host", $"{Repeated.Of(runs.Select(r => r.UploadCpu.Azurite)).Format("0.00", " ms")} / {Repeated.Of(runs.Select(r => r.HandledCpu.Azurite)).Format("0.00", " ms")}"));
            results.Add(("  CPU per blob, this process (uploads, host): raw upload / upload and host", $"{Repeated.Of(runs.Select(r => r.UploadCpu.Own)).Format("0.00", " ms")} / {Repeated.Of(runs.Select(r => r.HandledCpu.Own)).Format("0.00", " ms")}"));
            results.Add(("  finished blobs run again (must be 0)", (backlogHandler.Started.Count - ((Repeated.Runs + 1) * throughputBlobs)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        // Latency: one drop at a time into a watched container; upload end to handler start. Drops arrive after a
        // random pause (fixed seed) so they land at any point of the scan cycle, as real drops do.
        var arrivals = new Random(42);
        var watched = storage.Container("bench-latency-" + Guid.NewGuid().ToString("N")[..8]);
        await watched.CreateAsync();
        var handler = new TimestampingBlobHandler();
        var uploaded = new Dictionary<string, long>(StringComparer.Ordinal);
        var uploadDurations = new List<double>();
        await using (var host = await StartHostAsync(azurite, watched.Name, "BenchLatency" + Guid.NewGuid().ToString("N")[..6], handler))
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

    private static async Task UploadAsync(Azure.Storage.Blobs.BlobContainerClient container, IEnumerable<string> names, BinaryData payload, int concurrency) =>
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (name, ct) => await container.UploadBlobAsync(name, payload, ct));

    /// <param name="function">The function name: the same name keeps the same receipts and scan watermark across hosts.</param>
    /// <param name="parallelism">host.json blobs.maxDegreeOfParallelism; null keeps the repository's host.json.</param>
    private static async Task<LocalFunctionHost> StartHostAsync(AzuriteServer azurite, string container, string function, TimestampingBlobHandler handler, int? parallelism = null)
    {
        var settings = new LocalFunctionHostSettings
        {
            Catalog = new FunctionCatalog([FunctionDefinition.Blob<TimestampingBlobHandler>(function, container + "/{name}")]),
            ConfigureServices = s => s.AddSingleton(handler),
            ConfigureLogging = l => l.ClearProviders(),
            // As `llmops up` runs it: notices of each write from Azurite's access log, the sweep as the backstop.
            BlobWriteFeed = notices => azurite.WatchBlobWrites(notices.Publish),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        if (parallelism is { } degree)
        {
            settings.Configuration["LlmOps:Host:HostJsonPath"] = await BenchmarkHostJson.WithBlobParallelismAsync(degree);
        }

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
