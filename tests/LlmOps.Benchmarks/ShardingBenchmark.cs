using System.Diagnostics;
using System.Globalization;
using LlmOps.Development;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Benchmarks;

/// <summary>
/// Sharded against whole ingestion of the same synthetic drop, end to end on Azurite: whole is one ETL run; sharded is
/// the plan (a pass over the bytes that queues each shard as it cuts it), every shard run by one instance taking tasks
/// off the queue one at a time while the pass goes on (as a host runs its blob and queue triggers), and the fan-in (keys
/// merged, the shards' parts copied into the version, the version published). Then the shards taken by two instances at once.
/// Both with the record pipeline (parallel stages) and on one thread (the single-thread figure).
/// </summary>
internal static class ShardingBenchmark
{
    public static async Task<IReadOnlyList<(string Metric, string Value)>> RunAsync(int megabytes, int shardMb)
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmops-shard-bench-{Guid.NewGuid():N}.jsonl");
        try
        {
            long size;
            await using (var file = File.Create(path))
            {
                size = await SyntheticDrop.WriteAsync(file, (long)megabytes << 20);
            }

            var mb = size / 1024d / 1024d;
            var yaml = EtlBenchmark.LifecycleYaml.Replace("    text_field: body\n", $"    text_field: body\n    shard_mb: {shardMb}\n", StringComparison.Ordinal);
            var runs = await Repeated.RunAsync(async run =>
            {
                // An emulator of its own per repetition: it keeps every byte in memory, deleted or not, and a repetition
                // writes about 5 GB.
                await using var azurite = await AzuriteServer.StartAsync(new AzuriteOptions());
                // The emulator slows as it fills, so whole and sharded take turns going first.
                var wholeFirst = run % 2 == 0;
                var whole = wholeFirst ? await IngestAsync(azurite, yaml, path, run, shardedBy: 0, pipelined: true) : null;
                var one = await IngestAsync(azurite, yaml, path, run, shardedBy: 1, pipelined: true);
                whole ??= await IngestAsync(azurite, yaml, path, run, shardedBy: 0, pipelined: true);
                var two = await IngestAsync(azurite, yaml, path, run, shardedBy: 2, pipelined: true);
                var wholeSingle = wholeFirst ? await IngestAsync(azurite, yaml, path, run, shardedBy: 0, pipelined: false) : null;
                var oneSingle = await IngestAsync(azurite, yaml, path, run, shardedBy: 1, pipelined: false);
                wholeSingle ??= await IngestAsync(azurite, yaml, path, run, shardedBy: 0, pipelined: false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sharding run {run}: whole {whole.Seconds:0.0} s (CPU {whole.Cpu:0.0} s, emulator {whole.EmulatorCpu:0.0} s), sharded {one.Seconds:0.0} s (CPU {one.Cpu:0.0} s, emulator {one.EmulatorCpu:0.0} s; {one.Shards} shards, plan {one.Plan:0.0} s), two instances {two.Seconds:0.0} s; one thread: whole {wholeSingle.Seconds:0.0} s, sharded {oneSingle.Seconds:0.0} s"));
                return (Whole: whole, One: one, Two: two, WholeSingle: wholeSingle, OneSingle: oneSingle);
            });

            var shards = runs[0].One.Shards;
            return
            [
                ($"Whole drop ({mb:0} MB JSONL), end to end, pipelined", Repeated.Of(runs.Select(r => mb / r.Whole.Seconds)).Format("0.0", " MB/s")),
                ($"Same drop in {shards} shards of {shardMb} MB, one instance (plan, shards, fan-in), pipelined", Repeated.Of(runs.Select(r => mb / r.One.Seconds)).Format("0.0", " MB/s")),
                ("Sharding overhead, one instance (sharded time / whole time - 1; target at most 10%)", Repeated.Of(runs.Select(r => (r.One.Seconds / r.Whole.Seconds - 1) * 100)).Format("0.0", "%")),
                ("  the plan (the blob trigger: a JSONL drop's cuts probed)", Repeated.Of(runs.Select(r => r.One.Plan)).Format("0.00", " s")),
                ("  of which the fan-in (keys merged, parts copied, published)", Repeated.Of(runs.Select(r => r.One.Commit)).Format("0.00", " s")),
                ("  CPU of this process, whole drop", Repeated.Of(runs.Select(r => r.Whole.Cpu)).Format("0.0", " s")),
                ("  CPU of this process, sharded / whole", Repeated.Of(runs.Select(r => r.One.Cpu / r.Whole.Cpu)).Format("0.00", "x")),
                ("  CPU of the emulator, whole drop (on the same 2 cores)", Repeated.Of(runs.Select(r => r.Whole.EmulatorCpu)).Format("0.0", " s")),
                ("  CPU of the emulator, sharded / whole", Repeated.Of(runs.Select(r => r.One.EmulatorCpu / r.Whole.EmulatorCpu)).Format("0.00", "x")),
                ("Two instances against one, sharded (time of one / time of two; 2 cores bound it)", Repeated.Of(runs.Select(r => r.One.Seconds / r.Two.Seconds)).Format("0.00", "x")),
                ($"Whole drop, end to end, one thread", Repeated.Of(runs.Select(r => mb / r.WholeSingle.Seconds)).Format("0.0", " MB/s")),
                ($"Same drop in {shards} shards, one instance, one thread", Repeated.Of(runs.Select(r => mb / r.OneSingle.Seconds)).Format("0.0", " MB/s")),
                ("Sharding overhead, one instance, one thread", Repeated.Of(runs.Select(r => (r.OneSingle.Seconds / r.WholeSingle.Seconds - 1) * 100)).Format("0.0", "%")),
            ];
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Wall seconds, the plan's and fan-in's, shards taken, and CPU seconds spent by this process and by the emulator.</summary>
    private sealed record Timing(double Seconds, double Plan, double Commit, int Shards, double Cpu, double EmulatorCpu);

    /// <summary>One ingestion under a fresh storage prefix; <paramref name="shardedBy"/> 0 is whole, otherwise how many instances take the shards.</summary>
    private static async Task<Timing> IngestAsync(AzuriteServer azurite, string yaml, string path, int run, int shardedBy, bool pipelined)
    {
        var storage = new StorageAccount(azurite.ConnectionString, "shard" + (run + 1).ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..5]);
        await StorageProvisioner.EnsureAsync(storage);
        using var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(yaml, "bench.yaml", CancellationToken.None);
        var raw = storage.Container(StorageNames.RawContainer);
        await raw.CreateIfNotExistsAsync();
        Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo> uploaded;
        await using (var file = File.OpenRead(path))
        {
            uploaded = await raw.GetBlobClient("bench/drop.jsonl").UploadAsync(file, overwrite: true);
        }

        DropIngestor Instance() => new(storage, catalog, new LlmOps.Lineage.LineageStore(storage, TimeProvider.System), new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance) { Pipelined = pipelined };
        var found = await catalog.FindSourceAsync("bench", CancellationToken.None);
        // Each ingestion starts from a collected heap, so none runs in the garbage of the one before it.
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var emulatorCpu = azurite.ProcessorTime;
        var clock = Stopwatch.StartNew();
        double Cpu() => (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double EmulatorCpu() => (azurite.ProcessorTime - emulatorCpu).TotalSeconds;
        if (shardedBy == 0)
        {
            var result = await Instance().IngestAsync("bench", found, StorageNames.RawContainer, "bench/drop.jsonl", uploaded.Value.ETag, null, CancellationToken.None);
            return result.Status == IngestionStatus.Published ? new Timing(clock.Elapsed.TotalSeconds, 0, 0, 1, Cpu(), EmulatorCpu()) : throw new InvalidOperationException($"The whole drop was not published: {result.Status} {result.Reason}");
        }

        // As in a host: the blob trigger's pass queues shards as it cuts them while the queue trigger takes them.
        var queue = storage.Queue(StorageNames.IngestShardsQueue);
        var log = new IngestionLog(storage);
        var shards = 0;
        var planning = Task.Run(async () =>
        {
            var started = await Instance().IngestAsync("bench", found, StorageNames.RawContainer, "bench/drop.jsonl", uploaded.Value.ETag, null, CancellationToken.None, mayShard: true);
            return started.Status == IngestionStatus.Sharded ? clock.Elapsed.TotalSeconds : throw new InvalidOperationException($"The drop was not sharded: {started.Status} {started.Reason}");
        });
        // Each instance takes as many tasks at once as it holds (one running its records, the next waiting), as a host's
        // queue trigger hands it a batch.
        var instances = Enumerable.Range(0, shardedBy).Select(_ => Instance()).ToList();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.WhenAll(instances.SelectMany(instance => Enumerable.Range(0, LlmOps.Ingestion.Sharding.ShardSlots.Held).Select(_ => Task.Run(async () =>
        {
            // An empty queue is polled again after 20 ms, doubling to a second, as the queue trigger backs off.
            var idle = TimeSpan.FromMilliseconds(20);
            while (!ended.Task.IsCompleted && !planning.IsFaulted)
            {
                var message = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(10))).Value.FirstOrDefault();
                if (message is null)
                {
                    await Task.WhenAny(Task.Delay(idle), ended.Task, planning.IsCompleted ? ended.Task : planning);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, TimeSpan.TicksPerSecond));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(20);
                var outcome = await instance.ProcessShardAsync(new QueueTriggerInput(queue.Name, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn), CancellationToken.None);
                if (outcome.IsDeadLetter)
                {
                    throw new InvalidOperationException(outcome.DeadLetterReason);
                }

                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                Interlocked.Increment(ref shards);
                if (await log.GetAsync("bench", "bench/drop.jsonl", uploaded.Value.ETag.ToString()) is { } r && r.Status != nameof(IngestionStatus.Sharded))
                {
                    // This task's instance ran the fan-in: the drop is done.
                    ended.TrySetResult();
                }
            }
        }))));
        var plan = await planning;
        var seconds = clock.Elapsed.TotalSeconds;
        var (used, emulatorUsed) = (Cpu(), EmulatorCpu());
        var logged = await log.GetAsync("bench", "bench/drop.jsonl", uploaded.Value.ETag.ToString());
        if (logged?.Status != nameof(IngestionStatus.Published))
        {
            throw new InvalidOperationException($"The sharded drop was not published: {logged?.Status} {logged?.Reason}");
        }

        // The fan-in: from the last shard's receipt to the drop's outcome in the log.
        var staging = storage.Container(StorageNames.DatasetsContainer);
        var lastDone = DateTimeOffset.MinValue;
        await foreach (var blob in staging.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = LlmOps.Datasets.PartStaging.ForDrop(storage, StorageNames.RawContainer, "bench/drop.jsonl", uploaded.Value.ETag.ToString()).Folder }))
        {
            if (blob.Name.Contains("/shards/receipts/", StringComparison.Ordinal)
                && await staging.GetBlobClient(blob.Name).ReadAsync<LlmOps.Ingestion.Sharding.ShardReceipt>() is { } receipt)
            {
                lastDone = receipt.At > lastDone ? receipt.At : lastDone;
            }
        }

        return new Timing(seconds, plan, (logged.IngestedAt - lastDone).TotalSeconds, shards, used, emulatorUsed);
    }
}
