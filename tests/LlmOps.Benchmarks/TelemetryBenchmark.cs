using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LlmOps.Development;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Telemetry;
using LlmOps.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Benchmarks;

/// <summary>
/// What telemetry costs: the same work with it off (no exporter: the default) and on as a user turns it on (OTLP/HTTP
/// to a collector on loopback that acknowledges and drops every export), back to back in each repetition, in
/// alternating order. Figures are throughput with telemetry on as a share of the same run with it off.
/// </summary>
internal static class TelemetryBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int megabytes, int blobs)
    {
        using var collector = new DiscardingCollector();
        var results = new List<(string, string)>();
        var path = Path.Combine(Path.GetTempPath(), $"llmops-telemetry-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (var file = File.Create(path))
            {
                await SyntheticDrop.WriteAsync(file, megabytes * 1024L * 1024L);
            }

            var mb = new FileInfo(path).Length / 1024d / 1024d;
            foreach (var pipelined in new[] { true, false })
            {
                var runs = await Repeated.RunAsync(async run =>
                {
                    var onFirst = run % 2 == 0;
                    var first = await IngestAsync(azurite, path, collector, telemetry: onFirst, pipelined);
                    var second = await IngestAsync(azurite, path, collector, telemetry: !onFirst, pipelined);
                    return onFirst ? (Off: second, On: first) : (Off: first, On: second);
                });
                var label = pipelined ? $"pipelined, {Environment.ProcessorCount} cores" : "1 thread";
                results.Add(($"Ingest of a {mb:0} MB drop on Azurite (ETL, publish, lineage, announce; {label}), telemetry off", Repeated.Of(runs.Select(r => mb / r.Off)).Format("0.0", " MB/s")));
                results.Add(("  the same with telemetry on (OTLP to a loopback collector)", Repeated.Of(runs.Select(r => mb / r.On)).Format("0.0", " MB/s")));
                results.Add(("  ratio on / off (target at least 0.97)", Repeated.Of(runs.Select(r => r.Off / r.On)).Format("0.000")));
            }

            foreach (var parallelism in new int?[] { null, 1 })
            {
                var container = "bench-telemetry-" + Guid.NewGuid().ToString("N")[..8];
                var runs = await Repeated.RunAsync(async run =>
                {
                    var onFirst = run % 2 == 0;
                    var first = await NoopAsync(azurite, container, collector, blobs, run, telemetry: onFirst, parallelism);
                    var second = await NoopAsync(azurite, container, collector, blobs, run, telemetry: !onFirst, parallelism);
                    return onFirst ? (Off: second, On: first) : (Off: first, On: second);
                });
                var label = parallelism is null ? "host default parallelism" : "maxDegreeOfParallelism 1";
                results.Add(($"No-op blob handler on the local host, {blobs} blobs ({label}), telemetry off", Repeated.Of(runs.Select(r => blobs / r.Off)).Format("0", " blobs/s")));
                results.Add(("  the same with telemetry on (a span, invocation metrics and trigger lag per blob, OTLP)", Repeated.Of(runs.Select(r => blobs / r.On)).Format("0", " blobs/s")));
                results.Add(("  ratio on / off (target at least 0.9)", Repeated.Of(runs.Select(r => r.Off / r.On)).Format("0.000")));
            }

            results.Add(("  exports the collector acknowledged (traces + metrics)", collector.Exports.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        finally
        {
            File.Delete(path);
        }

        return results;
    }

    /// <summary>Seconds of one ingest of the drop, uploaded beforehand under a prefix of its own.</summary>
    private static async Task<double> IngestAsync(AzuriteServer azurite, string path, DiscardingCollector collector, bool telemetry, bool pipelined)
    {
        var storage = new StorageAccount(azurite.ConnectionString, "tel" + Guid.NewGuid().ToString("N")[..8]);
        await StorageProvisioner.EnsureAsync(storage);
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(EtlBenchmark.LifecycleYaml, "bench.yaml", CancellationToken.None);
        var blob = storage.Container(StorageNames.RawContainer).GetBlobClient("bench/drop.jsonl");
        Azure.ETag etag;
        await using (var file = File.OpenRead(path))
        {
            etag = (await blob.UploadAsync(file, overwrite: true)).Value.ETag;
        }

        var ingestor = new DropIngestor(storage, catalog, new LlmOps.Lineage.LineageStore(storage, TimeProvider.System), new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance) { Pipelined = pipelined };
        await using var providers = telemetry ? await collector.StartProvidersAsync() : null;
        var clock = Stopwatch.StartNew();
        // As the host runs it: inside the invocation's span, which the drop's own spans join.
        using (var invocation = InvocationTelemetry.Start(TriggerCatalog.IngestDrop, TriggerKind.Blob, blob.Name, 1, InvocationTelemetry.LocalHost))
        {
            var result = await ingestor.IngestAsync("bench", StorageNames.RawContainer, blob.Name, etag, CancellationToken.None);
            if (result.Version is null)
            {
                throw new InvalidOperationException($"The benchmark drop was not published: {result.Status} {result.Reason}");
            }

            invocation.Succeeded();
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Seconds from the first upload of <paramref name="blobs"/> blobs to the start of the last handler run.</summary>
    private static async Task<double> NoopAsync(AzuriteServer azurite, string container, DiscardingCollector collector, int blobs, int run, bool telemetry, int? parallelism)
    {
        var storage = new StorageAccount(azurite.ConnectionString);
        var handler = new TimestampingBlobHandler();
        var function = "BenchTelemetry" + Guid.NewGuid().ToString("N")[..6];
        var settings = new LocalFunctionHostSettings
        {
            Catalog = new FunctionCatalog([FunctionDefinition.Blob<TimestampingBlobHandler>(function, container + "/" + function + "/{name}")]),
            ConfigureServices = s => s.AddSingleton(handler),
            ConfigureLogging = l => l.ClearProviders(),
            BlobWriteFeed = notices => azurite.WatchBlobWrites(notices.Publish),
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        if (telemetry)
        {
            settings.Configuration["LlmOps:Telemetry:OtlpEndpoint"] = collector.Endpoint.AbsoluteUri;
        }

        if (parallelism is { } degree)
        {
            settings.Configuration["LlmOps:Host:HostJsonPath"] = await BenchmarkHostJson.WithBlobParallelismAsync(degree);
        }

        await storage.Container(container).CreateIfNotExistsAsync();
        await using var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        var names = Enumerable.Range(0, blobs).Select(i => $"{function}/b-{run + 1}-{i:00000}.bin").ToList();
        var payload = BinaryData.FromBytes(new byte[1024]);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, ct) => await storage.Container(container).UploadBlobAsync(name, payload, ct));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (!names.All(handler.Started.ContainsKey))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{handler.Started.Count} of {blobs} blobs handled after 10 minutes.");
            }

            await Task.Delay(20);
        }

        return Stopwatch.GetElapsedTime(started, handler.Started.Values.Max()).TotalSeconds;
    }

    /// <summary>An OTLP/HTTP collector on loopback that acknowledges every export and keeps nothing.</summary>
    private sealed class DiscardingCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _exports;

        public DiscardingCollector()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
            }

            _listener.Prefixes.Add(Endpoint.AbsoluteUri);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    try
                    {
                        var context = await _listener.GetContextAsync();
                        await context.Request.InputStream.CopyToAsync(Stream.Null);
                        Interlocked.Increment(ref _exports);
                        context.Response.StatusCode = 200;
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }
                }
            });
        }

        public Uri Endpoint { get; }

        public int Exports => Volatile.Read(ref _exports);

        /// <summary>The product's tracer and meter providers, configured as a host configures them, exporting here.</summary>
        public async Task<ServiceProvider> StartProvidersAsync()
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["LlmOps:Telemetry:OtlpEndpoint"] = Endpoint.AbsoluteUri }).Build();
            var services = new ServiceCollection().AddLogging();
            services.AddLlmOpsTelemetry(configuration, "llmops-benchmark");
            var provider = services.BuildServiceProvider();
            foreach (var hosted in provider.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            return provider;
        }

        public void Dispose() => _listener.Close();
    }
}
