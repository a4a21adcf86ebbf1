using System.Diagnostics;
using System.Reflection;
using LlmOps.Development;
using LlmOps.LocalHost;
using LlmOps.LocalHost.Worker;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.Benchmarks;

/// <summary>
/// The Functions worker against in-process dispatch: no-op blob handler throughput through the real worker process
/// (tests/LlmOps.Tests.Worker's NoopBlob over FunctionRpc) and through the same host calling a no-op handler in
/// process, back to back in each repetition; the gRPC invocation round trip; and worker cold start.
/// </summary>
internal static class WorkerBenchmark
{
    private static readonly string ProbeWorker =
        typeof(WorkerBenchmark).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProbeWorkerPath").Value!;

    private static readonly FunctionDefinition Noop = FunctionDefinition.Blob<TimestampingBlobHandler>("NoopBlob", "noop/{name}");

    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int blobs, int roundTrips)
    {
        var results = new List<(string, string)>();
        var payload = BinaryData.FromBytes(new byte[1024]);
        foreach (var (label, parallelism) in new[] { ("host default parallelism 4", (int?)null), ("maxDegreeOfParallelism 1", (int?)1) })
        {
            await using var inWorker = await StartAsync(azurite, inWorker: true, parallelism);
            await using var inProcess = await StartAsync(azurite, inWorker: false, parallelism);
            var runs = await Repeated.RunAsync(async run =>
            {
                // Alternate which goes first, so neither always meets a warmer emulator.
                var first = run % 2 == 0 ? inWorker : inProcess;
                var second = first == inWorker ? inProcess : inWorker;
                var a = await DrainAsync(first, run, blobs, payload);
                var b = await DrainAsync(second, run, blobs, payload);
                var (worker, local) = first == inWorker ? (a, b) : (b, a);
                return (Worker: worker, Local: local);
            });
            results.Add(($"No-op blob handler in process, {blobs} blobs uploaded and handled ({label})", Repeated.Of(runs.Select(r => r.Local)).Format("0", " blobs/s")));
            results.Add(($"No-op blob handler through the worker over gRPC ({label})", Repeated.Of(runs.Select(r => r.Worker)).Format("0", " blobs/s")));
            results.Add(("  ratio worker / in process (target at least 0.8)", Repeated.Of(runs.Select(r => r.Worker / r.Local)).Format("0.00")));
        }

        await using (var host = await StartAsync(azurite, inWorker: true, parallelism: null))
        {
            var input = new BlobTriggerInput("noop", "round-trip.bin", new Azure.ETag("\"0x1\""), new Dictionary<string, string> { ["name"] = "round-trip.bin" });
            foreach (var (label, callers) in new[] { ("1 caller", 1), ("4 concurrent callers", 4) })
            {
                var runs = await Repeated.RunAsync(async _ =>
                {
                    var times = new System.Collections.Concurrent.ConcurrentBag<double>();
                    var clock = Stopwatch.StartNew();
                    await Parallel.ForEachAsync(Enumerable.Range(0, roundTrips), new ParallelOptions { MaxDegreeOfParallelism = callers }, async (_, ct) =>
                    {
                        var started = Stopwatch.GetTimestamp();
                        await host.Worker.InvokeBlobAsync(Noop, input, ct);
                        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    });
                    var sorted = times.Order().ToList();
                    return (P50: sorted[sorted.Count / 2], P99: sorted[(int)Math.Ceiling(sorted.Count * 0.99) - 1], Rate: roundTrips / clock.Elapsed.TotalSeconds);
                });
                results.Add(($"Invocation round trip over gRPC, {roundTrips} no-op invocations, {label}: p50 (target at most 2 ms)", Repeated.Of(runs.Select(r => r.P50)).Format("0.00", " ms")));
                results.Add(("  p99", Repeated.Of(runs.Select(r => r.P99)).Format("0.00", " ms")));
                results.Add(("  invocations per second", Repeated.Of(runs.Select(r => r.Rate)).Format("0")));
            }
        }

        foreach (var (label, app) in new[] { ("probe app", ProbeWorker), ("LlmOps.Functions", FunctionWorker.DefaultAppPath) })
        {
            var runs = await Repeated.RunAsync(async _ =>
            {
                var clock = Stopwatch.StartNew();
                await using var host = await StartAsync(azurite, inWorker: true, parallelism: null, app, catalogOnly: app == FunctionWorker.DefaultAppPath);
                await host.Worker.WaitUntilReadyAsync(CancellationToken.None);
                return (Ready: clock.Elapsed.TotalSeconds, Start: host.Worker.LastStartDuration!.Value.TotalSeconds);
            });
            results.Add(($"Worker cold start, process start to functions loaded ({label})", Repeated.Of(runs.Select(r => r.Start)).Format("0.00", " s")));
            results.Add(("  host start to worker ready", Repeated.Of(runs.Select(r => r.Ready)).Format("0.00", " s")));
        }

        return results;
    }

    /// <summary>Uploads a backlog into the host's watched container; blobs per second from the first upload to the last completion.</summary>
    private static async Task<double> DrainAsync(LocalFunctionHost host, int run, int blobs, BinaryData payload)
    {
        var storage = host.Services.GetRequiredService<StorageAccount>();
        var container = storage.Container("noop");
        var before = host.Diagnostics.Get(HostDiagnostics.BlobSucceeded, Noop.Name);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, blobs), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await container.UploadBlobAsync($"run{run + 1}-{i:000000}.bin", payload, ct));
        while (host.Diagnostics.Get(HostDiagnostics.BlobSucceeded, Noop.Name) < before + blobs)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("The backlog was not handled within 10 minutes.");
            }

            await Task.Delay(1);
        }

        return blobs / clock.Elapsed.TotalSeconds;
    }

    private static async Task<LocalFunctionHost> StartAsync(AzuriteServer azurite, bool inWorker, int? parallelism, string? app = null, bool catalogOnly = false)
    {
        var prefix = "b" + Guid.NewGuid().ToString("N")[..10];
        var storage = new StorageAccount(azurite.ConnectionString, prefix);
        await StorageProvisioner.EnsureAsync(storage);
        await storage.Container("noop").CreateIfNotExistsAsync();
        var settings = new LocalFunctionHostSettings
        {
            // The product app's cold start runs one of its own functions; the others run the no-op.
            Catalog = catalogOnly
                ? new FunctionCatalog([TriggerCatalog.All.Single(f => f.Name == TriggerCatalog.Heartbeat)])
                : new FunctionCatalog([Noop]) { InWorker = _ => inWorker },
            ConfigureServices = s => s.AddSingleton(new TimestampingBlobHandler()),
            ConfigureLogging = l => l.ClearProviders(),
            BlobWriteFeed = notices => azurite.WatchBlobWrites(notices.Publish),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Storage:Prefix"] = prefix;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        settings.Configuration["LlmOps:Host:WorkerPath"] = app ?? ProbeWorker;
        if (parallelism is { } degree)
        {
            settings.Configuration["LlmOps:Host:HostJsonPath"] = await BenchmarkHostJson.WithBlobParallelismAsync(degree);
        }

        var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        if (host.Worker.IsNeeded)
        {
            await host.Worker.WaitUntilReadyAsync(CancellationToken.None);
        }

        return host;
    }
}
