using System.Globalization;
using LlmOps.Benchmarks;
using LlmOps.Development;
using LlmOps.Storage;

// Usage: dotnet run -c Release --project tests/LlmOps.Benchmarks -- [host] [etl] [memory] [--runs 5]
//   Every figure is the median of --runs repetitions (at least 5) after one warm-up, with min and max; ratios are
//   taken within a repetition, candidate and baseline back to back; parallel figures have a 1-thread figure beside them.
//   host   --drops 200 --backlog 1000 --upload-parallelism 8 --finished 100000   blob trigger latency; throughput beside finished history
//   etl    --mb 200 [--drop-file real.jsonl]                   ETL throughput, in process and end to end (synthetic drop, or a file of real text)
//   memory --memory-mb 1024                                     peak working set on a large drop (run it alone)
//   steps  --mb 200 [--drop-file real.jsonl]                   each ETL step timed alone (where the time goes)
//   csv    --csv-mb 50                                          own CSV reader against Sylvan.Data.Csv
//   tracking --points 100000 --nodes 10000                      metric logging batched vs individual; lineage walks of depth 6
//   embeddings --vectors 200000 --dimensions 384                local embedder, exact search bandwidth, incremental refresh
//   labeling --items 200000 --annotators 5 --missing-percent 0  alpha, Fleiss and pairwise kappa against a counting pass; 10x the labels
//   evaluation --examples 10000 --judge-calls 400             responder + code graders vs responder alone; judge calls at concurrency 8 vs 40/s
//   feedback --http-events 20000 --events 10000000 --table-events 200000   HTTP ingestion vs raw Table transactions; stats with DuckDB vs Table read + aggregate
//   minilm --texts 512 --batch 32                              MiniLM through our provider vs the package's encoder called directly
//   worker --worker-blobs 2000 --round-trips 2000              no-op blob handler through the Functions worker vs in process; gRPC round trip; worker cold start
//   telemetry --telemetry-mb 50 --telemetry-blobs 500            ingest and no-op blob handler with telemetry on (OTLP) vs off
//   erasure --erase-mb 1024                                      erasure of one subject from a version and its index vs re-ingesting it from scratch
//   audit --audit-entries 1000000                                audit verify vs SHA-256 of the same bytes, entry by entry and as one stream
//   console --console-nodes 10000 --console-runs 10000         the web console in Chromium: first render of lineage and runs vs their API calls
//   serving --serving-calls 20000 --guard-texts 5000           LlmOps.Client overhead vs the bare client (1 and 64 callers); POST /api/guard vs redaction alone
//   sharding --shard-bench-mb 500 --shard-mb 64                  sharded vs whole ingestion of one drop (one instance; two instances; one thread)
//   drift --rows 1000000 --columns 20 --mmd-n 5000 --mmd-dimensions 1536 --permutations 100   drift statistics vs straightforward code
var suites = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToHashSet(StringComparer.Ordinal);
if (suites.Count == 0)
{
    suites = ["host", "etl"];
}

Repeated.Runs = Math.Max(5, Argument("--runs", 5));
var dropFile = Array.IndexOf(args, "--drop-file") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
if (dropFile is not null)
{
    SyntheticDrop.File = File.Exists(dropFile) ? dropFile : throw new FileNotFoundException($"--drop-file {dropFile} does not exist.", dropFile);
    suites.Remove(dropFile);
}
var rows = new List<(string Metric, string Value)>();
if (suites.Contains("memory"))
{
    var megabytes = Argument("--memory-mb", 1024);
    var (seconds, peak, counts) = await EtlBenchmark.MemoryAsync(megabytes);
    rows.Add(($"Peak working set, in-process ETL of a {megabytes} MB drop (streamed)", $"{peak / 1024d / 1024d:0} MB ({counts.Accepted} records in {seconds:0} s, {megabytes / seconds:0.0} MB/s)"));
}

if (suites.Contains("minilm"))
{
    rows.AddRange(await MiniLmBenchmark.RunAsync(Argument("--texts", 512), Argument("--batch", 32)));
}

if (suites.Contains("drift"))
{
    rows.AddRange(DriftBenchmark.Run(Argument("--rows", 1_000_000), Argument("--columns", 20), Argument("--mmd-n", 5000), Argument("--mmd-dimensions", 1536), Argument("--permutations", 100)));
}

if (suites.Contains("audit"))
{
    rows.AddRange(AuditBenchmark.Run(Argument("--audit-entries", 1_000_000)));
}

if (suites.Contains("labeling"))
{
    rows.AddRange(LabelingBenchmark.Run(Argument("--items", 200_000), Argument("--annotators", 5), Argument("--missing-percent", 0) / 100d));
}

if (suites.Contains("evaluation"))
{
    rows.AddRange(await EvaluationBenchmark.RunAsync(Argument("--examples", 10_000), Argument("--judge-calls", 400)));
}

if (suites.Contains("csv"))
{
    rows.AddRange(await CsvBenchmark.RunAsync(Argument("--csv-mb", 50)));
}

if (suites.Contains("steps"))
{
    rows.AddRange(await EtlStepsBenchmark.RunAsync(Argument("--mb", 200)));
}

if (suites.Contains("erasure"))
{
    rows.AddRange(await ErasureBenchmark.RunAsync(Argument("--erase-mb", 1024)));
}

if (suites.Contains("sharding"))
{
    // Starts an emulator per repetition.
    rows.AddRange(await ShardingBenchmark.RunAsync(Argument("--shard-bench-mb", 500), Argument("--shard-mb", 64)));
}

if (suites.Contains("telemetry") || suites.Contains("worker") || suites.Contains("host") || suites.Contains("etl") || suites.Contains("tracking") || suites.Contains("console") || suites.Contains("embeddings") || suites.Contains("feedback") || suites.Contains("serving"))
{
    await using var azurite = await AzuriteServer.StartAsync(new AzuriteOptions { Progress = Console.WriteLine });
    if (suites.Contains("telemetry"))
    {
        rows.AddRange(await TelemetryBenchmark.RunAsync(azurite, Argument("--telemetry-mb", 50), Argument("--telemetry-blobs", 500)));
    }

    if (suites.Contains("worker"))
    {
        rows.AddRange(await WorkerBenchmark.RunAsync(azurite, Argument("--worker-blobs", 2000), Argument("--round-trips", 2000)));
    }

    if (suites.Contains("host"))
    {
        rows.AddRange(await BlobTriggerBenchmark.RunAsync(azurite, Argument("--drops", 200), Argument("--backlog", 1000), Argument("--upload-parallelism", 8), Argument("--finished", 100_000)));
    }

    if (suites.Contains("etl"))
    {
        rows.AddRange(await EtlBenchmark.RunAsync(azurite, Argument("--mb", 200)));
    }

    if (suites.Contains("tracking"))
    {
        rows.AddRange(await TrackingBenchmark.RunAsync(azurite, Argument("--points", 100_000), Argument("--nodes", 10_000)));
    }

    if (suites.Contains("console"))
    {
        rows.AddRange(await ConsoleBenchmark.RunAsync(azurite, Argument("--console-nodes", 10_000), Argument("--console-runs", 10_000)));
    }

    if (suites.Contains("serving"))
    {
        rows.AddRange(await ServingBenchmark.RunAsync(azurite, Argument("--serving-calls", 20_000), Argument("--guard-texts", 5000)));
    }

    if (suites.Contains("feedback"))
    {
        rows.AddRange(await FeedbackBenchmark.RunAsync(azurite, Argument("--http-events", 20_000), Argument("--events", 10_000_000), Argument("--table-events", 200_000)));
    }

    if (suites.Contains("embeddings"))
    {
        rows.AddRange(await EmbeddingBenchmark.RunAsync(azurite, Argument("--vectors", 200_000), Argument("--dimensions", 384)));
    }
}

Console.WriteLine();
Console.WriteLine($"| LlmOps benchmarks ({Environment.ProcessorCount} cores, Azurite in memory) | Value |");
Console.WriteLine("|---|---|");
foreach (var (metric, value) in rows)
{
    Console.WriteLine($"| {metric} | {value} |");
}

return 0;

int Argument(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
