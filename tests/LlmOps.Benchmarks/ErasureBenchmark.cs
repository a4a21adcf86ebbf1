using System.Diagnostics;
using System.Text;
using LlmOps.Development;
using LlmOps.Governance;
using LlmOps.Storage;

namespace LlmOps.Benchmarks;

/// <summary>
/// Erasure of one data subject (four records of a synthetic drop of <c>megabytes</c> MB, one version with its index)
/// against re-ingesting the same version from scratch: the ETL of the same raw drop and a fresh index of it (nothing to
/// reuse), pipelined on every core and on one thread. Each repetition gets an emulator of its own. Erasure rewrites the raw drop and the parts and shards that held the subject; the others are copied
/// server-side.
/// </summary>
internal static class ErasureBenchmark
{
    private const string Subject = "jane.subject@example.com";

    /// <remarks>
    /// Each repetition starts an Azurite of its own: an in-memory emulator that held several GB across repetitions lost
    /// blobs of later ones (a shard it had stored answered 404 to a copy), which is the emulator's limit, not what this measures.
    /// </remarks>
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(int megabytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmops-erasure-bench-{Guid.NewGuid():N}.jsonl");
        try
        {
            await WriteDropAsync(path, megabytes * 1024L * 1024L);
            var size = new FileInfo(path).Length;
            // The cheapest embedder, so re-indexing costs as little as it can: with MiniLM or Azure OpenAI a fresh index costs far more.
            var yaml = EtlBenchmark.LifecycleYaml.Replace("bench", "erasebench", StringComparison.Ordinal) + "\nembedding: { provider: local, model: lexical-ngram, dimensions: 384 }\n";
            var runs = await Repeated.RunAsync(async run =>
            {
                await using var azurite = await AzuriteServer.StartAsync(new AzuriteOptions());
                var prefix = $"er{Guid.NewGuid():N}"[..10];
                var client = new LlmOpsClient(azurite.ConnectionString, prefix, Caller.Local("bench"));
                try
                {
                    await client.ProvisionAsync();
                    await client.Lifecycles.PublishAsync(yaml, "erasebench.yaml", CancellationToken.None);
                    var raw = client.Storage.Container(StorageNames.RawContainer);
                    await using (var file = File.OpenRead(path))
                    {
                        await raw.GetBlobClient("erasebench/drop.jsonl").UploadAsync(file, overwrite: true);
                    }

                    var etag = (await raw.GetBlobClient("erasebench/drop.jsonl").GetPropertiesAsync()).Value.ETag;
                    var ingest = Stopwatch.StartNew();
                    var result = await client.Ingestor.IngestAsync("erasebench", StorageNames.RawContainer, "erasebench/drop.jsonl", etag, CancellationToken.None);
                    var version = result.Version ?? throw new InvalidOperationException($"The drop was not published: {result.Reason}");
                    var ingestSeconds = ingest.Elapsed.TotalSeconds;
                    var index = Stopwatch.StartNew();
                    var built = await client.Refresher.RefreshAsync(version.Id, CancellationToken.None);
                    var indexSeconds = index.Elapsed.TotalSeconds;

                    // The same version ingested again on one thread (the same content: the version exists, the ETL runs whole).
                    client.Ingestor.Pipelined = false;
                    var single = Stopwatch.StartNew();
                    await client.Ingestor.IngestAsync("erasebench", StorageNames.RawContainer, "erasebench/drop.jsonl", etag, CancellationToken.None);
                    var singleSeconds = single.Elapsed.TotalSeconds;

                    var erase = Stopwatch.StartNew();
                    var steps = new Steps(erase);
                    var report = await client.Erasure.EraseAsync(Subject, why: "benchmark", progress: steps);
                    var eraseSeconds = erase.Elapsed.TotalSeconds;
                    steps.Report("the report");
                    Console.WriteLine("  erasure steps: " + string.Join(", ", steps.Times.Select(t => $"{t.Step} {t.Seconds:0.00} s")));
                    var removed = report.Items.Where(i => i.Store == "dataset").Sum(i => i.Removed);
                    if (removed != 4 || report.Items.Count(i => i.Store == "index" && i.Successor is not null) != 1)
                    {
                        throw new InvalidOperationException($"Erasure removed {removed} record(s) from the version (4 expected) and replaced {report.Items.Count(i => i.Store == "index")} index(es).");
                    }

                    return (ingestSeconds, indexSeconds, singleSeconds, eraseSeconds, built.Index.Vectors, version.Parts.Count);
                }
                finally
                {
                    client.Dispose();
                }
            });
            var mb = size / 1024d / 1024d;
            return
            [
                ($"Erasure of one subject (4 records) from a {mb:0} MB version ({runs[0].Item6} parts) and its index ({runs[0].Item5:N0} vectors)", Repeated.Of(runs.Select(r => r.eraseSeconds)).Format("0.0", " s")),
                ("  re-ingest from scratch: ETL (pipelined, 2 cores) + fresh index", Repeated.Of(runs.Select(r => r.ingestSeconds + r.indexSeconds)).Format("0.0", " s")),
                ("    of which the ETL / the index", $"{Repeated.Of(runs.Select(r => r.ingestSeconds)).Format("0.0", " s")} / {Repeated.Of(runs.Select(r => r.indexSeconds)).Format("0.0", " s")}"),
                ("  re-ingest from scratch with the ETL on 1 thread", Repeated.Of(runs.Select(r => r.singleSeconds + r.indexSeconds)).Format("0.0", " s")),
                ("  ratio erasure / re-ingest (target at most 0.5)", Repeated.Of(runs.Select(r => r.eraseSeconds / (r.ingestSeconds + r.indexSeconds))).Format("0.00")),
                ("  ratio erasure / re-ingest on 1 thread", Repeated.Of(runs.Select(r => r.eraseSeconds / (r.singleSeconds + r.indexSeconds))).Format("0.00")),
            ];
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>How long each step of an erasure took (the time until the next step began).</summary>
    private sealed class Steps(Stopwatch clock) : IProgress<string>
    {
        private string? _step;
        private double _since;

        public List<(string Step, double Seconds)> Times { get; } = [];

        public void Report(string value)
        {
            var now = clock.Elapsed.TotalSeconds;
            if (_step is not null)
            {
                Times.Add((_step, now - _since));
            }

            (_step, _since) = (value, now);
        }
    }

    /// <summary>The synthetic drop with four of the subject's tickets among the others: near the start, the middle and the end.</summary>
    private static async Task WriteDropAsync(string path, long bytes)
    {
        var generated = path + ".gen";
        await using (var output = File.Create(generated))
        {
            await SyntheticDrop.WriteAsync(output, bytes);
        }

        var lines = File.ReadLines(generated).Count();
        int[] at = [10, lines / 2, lines / 2 + 1, lines - 5];
        await using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
        {
            var number = 0;
            foreach (var line in File.ReadLines(generated))
            {
                if (at.Contains(number++))
                {
                    await writer.WriteLineAsync($"{{\"id\":\"JANE-{number}\",\"created\":\"2026-11-02T10:00:00Z\",\"channel\":\"email\",\"body\":\"please reply to {Subject} about the refund of invoice {number}\"}}");
                }

                await writer.WriteLineAsync(line);
            }
        }

        File.Delete(generated);
    }
}
