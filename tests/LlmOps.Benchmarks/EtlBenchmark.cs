using System.Diagnostics;
using System.Text.Json;
using LlmOps.Datasets;
using LlmOps.Development;
using LlmOps.Ingestion;
using LlmOps.Ingestion.Processing;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Benchmarks;

/// <summary>
/// ETL throughput on a synthetic JSONL drop: in process (parse, validate, clean, redact, dedup, chunk, hash, spool)
/// against tokenizer-only on the same text; end to end on Azurite against uploading the same output bytes raw;
/// and peak working set on a large drop streamed from a generator.
/// </summary>
internal static class EtlBenchmark
{
    internal const string LifecycleYaml = """
        feature: bench
        sources:
          - name: bench
            path: raw/bench/
            id_field: id
            text_field: body
            schema:
              id: { type: string, required: true }
              created: { type: datetime }
              channel: { type: string }
              body: { type: string, required: true }
        quality:
          max_quarantine_rate: 0.5
          rules:
            - { rule: unique, field: id }
            - { rule: allowed_values, field: channel, values: [email, chat, phone] }
        preprocessing:
          version: v1
          chunking: { max_tokens: 256, overlap: 32 }
        """;

    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(AzuriteServer azurite, int megabytes)
    {
        var results = new List<(string, string)>();
        var lifecycle = LifecycleParser.Parse(LifecycleYaml);
        var path = Path.Combine(Path.GetTempPath(), $"llmops-bench-{Guid.NewGuid():N}.jsonl");
        try
        {
            long size;
            await using (var file = File.Create(path))
            {
                size = await SyntheticDrop.WriteAsync(file, megabytes * 1024L * 1024L);
            }

            var mb = size / 1024d / 1024d;
            IngestionCounts? counts = null;
            long outputBytes = 0;
            // Each repetition measures every figure and its baseline back to back, so ratios come from one run.
            var runs = await Repeated.RunAsync(async run =>
            {
                var tokenizer1 = await TokenizerOnlyAsync(path, parallel: false);
                var tokenizerN = await TokenizerOnlyAsync(path, parallel: true);
                var (etl1, _, _) = await InProcessAsync(path, lifecycle, pipelined: false);
                var (etlN, c, etlCpu) = await InProcessAsync(path, lifecycle, pipelined: true);
                // The ingest as it runs (parts staged while the ETL runs) and, as its baseline, with local parts published
                // after the ETL; in alternating order, so a drift within the repetition favours neither.
                var first = await EndToEndAsync(azurite, path, run, stageParts: run % 2 == 0);
                var second = await EndToEndAsync(azurite, path, run, stageParts: run % 2 != 0);
                var (end, local) = run % 2 == 0 ? (first, second) : (second, first);
                counts = c;
                outputBytes = end.OutputBytes;
                return new Run(tokenizer1, tokenizerN, etl1, etlN, end.EndToEnd, end.RawUpload, end.DropUpload, end.Ingest, end.Tail, end.DropRead, end.PartsUpload, end.IngestCpu, end.AzuriteCpu, etlCpu,
                    local.EndToEnd, local.RawUpload, local.DropUpload, local.Tail);
            });

            Repeated Rate(Func<Run, double> seconds) => Repeated.Of(runs.Select(r => mb / seconds(r)));
            Repeated Ratio(Func<Run, double> ratio) => Repeated.Of(runs.Select(ratio));
            Repeated Seconds(Func<Run, double> seconds) => Repeated.Of(runs.Select(seconds));
            var cores = Environment.ProcessorCount;
            results.Add(($"Baseline: tokenizer only (cl100k) over the bodies of a {mb:0} MB JSONL drop, 1 thread", Rate(r => r.Tokenizer1).Format("0.0", " MB/s")));
            results.Add(($"Baseline: tokenizer only, batches of 256 counted by {cores} threads, a tokenizer each", Rate(r => r.TokenizerN).Format("0.0", " MB/s")));
            results.Add(("In-process ETL (parse, validate, clean, redact, dedup, chunk, hash, spool), 1 thread", Rate(r => r.Etl1).Format("0.0", " MB/s")));
            results.Add(($"In-process ETL, pipelined: read, clean+redact, chunk ({cores} batches at once), spool ({cores} cores; {counts!.Accepted} records, {counts.Chunks} chunks)", Rate(r => r.EtlN).Format("0.0", " MB/s")));
            results.Add(("  ratio 1-thread ETL to 1-thread tokenizer only", Ratio(r => r.Tokenizer1 / r.Etl1).Format("0.00")));
            results.Add(("  ratio pipelined ETL to tokenizer only in parallel (the same cores)", Ratio(r => r.TokenizerN / r.EtlN).Format("0.00")));
            results.Add(("  ratio pipelined ETL to 1-thread tokenizer only (target at least 0.75, the baseline it was set on)", Ratio(r => r.Tokenizer1 / r.EtlN).Format("0.00")));
            results.Add(("  ETL pipelined speed-up over 1 thread", Ratio(r => r.Etl1 / r.EtlN).Format("0.00", "x")));
            results.Add(("End to end on Azurite (upload drop, ingest, publish version; pipelined)", Seconds(r => r.E2e).Format("0.00", " s")));
            results.Add(("  of which: upload the drop", Seconds(r => r.DropUpload).Format("0.00", " s")));
            results.Add(("  of which: ingest (read from storage, ETL, publish, catalog, announce)", Seconds(r => r.Ingest).Format("0.00", " s")));
            results.Add(("    of which: after the last record (publish the staged parts, manifest, catalog, lineage, announce)", Seconds(r => r.Tail).Format("0.00", " s")));
            results.Add(("  for reference: read the drop from storage alone (the ingest's read stream, drained)", Seconds(r => r.DropRead).Format("0.00", " s")));
            results.Add(($"Baseline: raw upload of the same output bytes ({outputBytes / 1024d / 1024d:0.0} MB of parts + the drop)", Seconds(r => r.Raw).Format("0.00", " s")));
            results.Add(("  of which: the parts alone", Seconds(r => r.PartsUpload).Format("0.00", " s")));
            results.Add(("  ratio end to end / raw upload", Ratio(r => r.E2e / r.Raw).Format("0.00")));
            results.Add(("  storage share: (end to end - in-process ETL) / raw upload (target at most 0.5, below its floor: next line)", Ratio(r => Math.Max(0, r.E2e - r.EtlN) / r.Raw).Format("0.00")));
            // End to end includes the drop's own upload, itself most of the raw upload, so the share above cannot go
            // below upload/raw; what the ingest adds on top of its ETL (reading the drop, writing the version) is this.
            results.Add(("  floor of that share: drop upload / raw upload", Ratio(r => r.DropUpload / r.Raw).Format("0.00")));
            results.Add(("  ingest's own storage share: (ingest - in-process ETL) / raw upload (the target without the drop's upload: at most 0.5)", Ratio(r => Math.Max(0, r.Ingest - r.EtlN) / r.Raw).Format("0.00")));
            // The shares above subtract two ETL timings of several seconds, each moving by a second or more between
            // runs, and divide by a raw upload of about 1 s: this one is storage time on the critical path, measured.
            results.Add(("  storage on the critical path, timed: (drop upload + after the last record) / raw upload", Ratio(r => (r.DropUpload + r.Tail) / r.Raw).Format("0.00")));
            results.Add(("Baseline: the same ingest with its parts kept local and uploaded after the last record (no staging)", Seconds(r => r.LocalE2e).Format("0.00", " s")));
            results.Add(("    of which: after the last record (upload the parts, manifest, catalog, lineage, announce)", Seconds(r => r.LocalTail).Format("0.00", " s")));
            results.Add(("  storage on the critical path, timed, without staging", Ratio(r => (r.LocalDropUpload + r.LocalTail) / r.LocalRaw).Format("0.00")));
            results.Add(("  end to end with staging minus without, same repetition (negative: staging is faster)", Seconds(r => r.E2e - r.LocalE2e).Format("0.00", " s")));
            // Azurite runs on the same cores as the ETL: while the ETL keeps them busy, the emulator's own CPU time (serving
            // the drop's download and the parts' upload) adds to the ingest's wall time instead of overlapping with it.
            results.Add(("  CPU during the ingest: LlmOps (ETL, storage client)", Seconds(r => r.IngestCpu).Format("0.00", " s")));
            results.Add(("  for reference: CPU of the in-process pipelined ETL", Seconds(r => r.EtlCpu).Format("0.00", " s")));
            results.Add(("  CPU during the ingest: Azurite", Seconds(r => r.AzuriteCpu).Format("0.00", " s")));
            results.Add(($"  share of the {cores} cores busy during the ingest ((LlmOps + Azurite CPU) / ({cores} x ingest))", Ratio(r => (r.IngestCpu + r.AzuriteCpu) / (cores * r.Ingest)).Format("0.00")));
        }
        finally
        {
            File.Delete(path);
        }

        return results;
    }

    /// <summary>Streams a generated drop of <paramref name="megabytes"/> through the in-process ETL; returns peak working set.</summary>
    public static async Task<(double Seconds, long PeakWorkingSet, IngestionCounts Counts)> MemoryAsync(int megabytes)
    {
        var lifecycle = LifecycleParser.Parse(LifecycleYaml);
        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20));
        var producer = Task.Run(async () =>
        {
            await using var stream = pipe.Writer.AsStream();
            await SyntheticDrop.WriteAsync(stream, megabytes * 1024L * 1024L);
        });
        var clock = Stopwatch.StartNew();
        var counts = await ProcessAsync(pipe.Reader.AsStream(), "drop.jsonl", lifecycle);
        await producer;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, process.PeakWorkingSet64, counts);
    }

    /// <summary>
    /// Reads the drop's lines, parses each as JSON and counts the body's tokens: the least an ETL that chunks on token
    /// boundaries must do. In parallel, each batch of 256 bodies is counted by one thread per core.
    /// </summary>
    private static async Task<double> TokenizerOnlyAsync(string path, bool parallel)
    {
        // In parallel each thread counts with a tokenizer instance of its own, as the ETL's chunk tasks do.
        var threads = parallel ? Environment.ProcessorCount : 1;
        var chunkers = Enumerable.Range(0, threads).Select(instance => new TokenChunker("cl100k_base", 256, 32, instance)).ToArray();
        var chunker = chunkers[0];
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        var bodies = new List<string>(256);
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync() is { } line)
        {
            using var document = JsonDocument.Parse(line);
            bodies.Add(document.RootElement.GetProperty("body").GetString()!);
            if (bodies.Count == 256)
            {
                Count();
            }
        }

        Count();
        GC.KeepAlive(tokens);
        return clock.Elapsed.TotalSeconds;

        void Count()
        {
            if (parallel)
            {
                var counts = new long[threads];
                Parallel.For(0, threads, thread =>
                {
                    for (var i = thread; i < bodies.Count; i += threads)
                    {
                        counts[thread] += chunkers[thread].CountTokens(bodies[i]);
                    }
                });
                tokens += counts.Sum();
            }
            else
            {
                tokens += bodies.Sum(b => (long)chunker.CountTokens(b));
            }

            bodies.Clear();
        }
    }

    private static async Task<(double Seconds, IngestionCounts Counts, double Cpu)> InProcessAsync(string path, LifecycleDefinition lifecycle, bool pipelined)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await using var file = File.OpenRead(path);
        var counts = await ProcessAsync(file, Path.GetFileName(path), lifecycle, pipelined);
        return (clock.Elapsed.TotalSeconds, counts, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }

    /// <summary>The ETL's in-process part as DropIngestor runs it (pipelined), or every step on the calling thread.</summary>
    private static async Task<IngestionCounts> ProcessAsync(Stream input, string name, LifecycleDefinition lifecycle, bool pipelined = true)
    {
        var processor = new RecordProcessor(lifecycle, lifecycle.Sources[0]);
        await using var spool = new DatasetSpool();
        if (pipelined)
        {
            await processor.ProcessAsync(DropReader.ReadAsync(input, name, SourceFormat.Auto), SpoolAsync, CancellationToken.None);
        }
        else
        {
            await processor.ProcessInOrderAsync(DropReader.ReadAsync(input, name, SourceFormat.Auto), SpoolAsync, CancellationToken.None);
        }

        await spool.CompleteAsync();
        return processor.Counts;

        async ValueTask SpoolAsync(IReadOnlyList<(DatasetRecord? Record, LlmOps.Ingestion.Validation.QuarantinedRecord? Rejection)> results)
        {
            foreach (var (record, _) in results)
            {
                if (record is not null)
                {
                    await spool.AddAsync(record, CancellationToken.None);
                }
            }
        }
    }

    /// <summary>One end-to-end ingestion under a fresh storage prefix (its own source, so every run publishes a version), then the raw upload baseline.</summary>
    private sealed record Run(
        double Tokenizer1, double TokenizerN, double Etl1, double EtlN, double E2e, double Raw, double DropUpload, double Ingest, double Tail, double DropRead, double PartsUpload, double IngestCpu, double AzuriteCpu, double EtlCpu,
        double LocalE2e, double LocalRaw, double LocalDropUpload, double LocalTail);

    private static async Task<(double EndToEnd, double RawUpload, long OutputBytes, double DropUpload, double Ingest, double Tail, double DropRead, double PartsUpload, double IngestCpu, double AzuriteCpu)> EndToEndAsync(AzuriteServer azurite, string path, int run, bool stageParts)
    {
        var storage = new StorageAccount(azurite.ConnectionString, "bench" + (run + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..4]);
        await StorageProvisioner.EnsureAsync(storage);
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(LifecycleYaml, "bench.yaml", CancellationToken.None);
        var raw = storage.Container(StorageNames.RawContainer);
        await raw.CreateIfNotExistsAsync();

        var clock = Stopwatch.StartNew();
        Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo> uploaded;
        await using (var file = File.OpenRead(path))
        {
            uploaded = await raw.GetBlobClient("bench/drop.jsonl").UploadAsync(file, overwrite: true);
        }

        var dropUpload = clock.Elapsed.TotalSeconds;
        var ingestCpu = Environment.CpuUsage.TotalTime;
        var azuriteCpu = azurite.ProcessorTime;
        var processed = 0d;
        var ingestor = new DropIngestor(storage, catalog, new LlmOps.Lineage.LineageStore(storage, TimeProvider.System), new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance)
        {
            AfterProcessing = () => processed = clock.Elapsed.TotalSeconds,
            StagesParts = stageParts,
        };
        var result = await ingestor.IngestAsync("bench", StorageNames.RawContainer, "bench/drop.jsonl", uploaded.Value.ETag, CancellationToken.None);
        var endToEnd = clock.Elapsed.TotalSeconds;
        ingestCpu = Environment.CpuUsage.TotalTime - ingestCpu;
        azuriteCpu = azurite.ProcessorTime - azuriteCpu;
        clock.Restart();
        await using (var read = await raw.GetBlobClient("bench/drop.jsonl").OpenStreamAsync())
        {
            await read.CopyToAsync(Stream.Null);
        }

        var dropRead = clock.Elapsed.TotalSeconds;
        if (result.Version is null)
        {
            throw new InvalidOperationException($"The benchmark drop was not published: {result.Status} {result.Reason}");
        }

        // Baseline: the same bytes this run wrote (the drop and the version's parts), uploaded raw.
        var target = storage.Container("bench-raw-" + Guid.NewGuid().ToString("N")[..8]);
        await target.CreateAsync();
        var datasets = storage.Container(StorageNames.DatasetsContainer);
        var parts = new List<byte[]>();
        foreach (var part in result.Version.Parts)
        {
            parts.Add((await datasets.GetBlobClient(DatasetManifest.FolderOf(result.Version.Id) + part.Name).DownloadContentAsync()).Value.Content.ToArray());
        }

        clock.Restart();
        await using (var file = File.OpenRead(path))
        {
            await target.GetBlobClient("drop.jsonl").UploadAsync(file);
        }

        var partsClock = Stopwatch.StartNew();
        for (var i = 0; i < parts.Count; i++)
        {
            await target.GetBlobClient($"part-{i}").UploadAsync(new BinaryData(parts[i]));
        }

        var rawUpload = clock.Elapsed.TotalSeconds;
        var partsUpload = partsClock.Elapsed.TotalSeconds;

        // This run's blobs go, so the emulator (which keeps them in memory) holds the same few hundred MB in every run.
        foreach (var container in new[] { target, raw, datasets, storage.Container(StorageNames.QuarantineContainer) })
        {
            await container.DeleteIfExistsAsync();
        }

        return (endToEnd, rawUpload, parts.Sum(p => (long)p.Length) + new FileInfo(path).Length, dropUpload, endToEnd - dropUpload, endToEnd - processed, dropRead, partsUpload, ingestCpu.TotalSeconds, azuriteCpu.TotalSeconds);
    }
}
