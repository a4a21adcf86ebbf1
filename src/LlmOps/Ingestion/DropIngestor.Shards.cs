using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Datasets;
using LlmOps.Governance;
using LlmOps.Ingestion.Processing;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Sharding;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.Ingestion;

/// <summary>
/// Sharded ingestion of a drop above its source's <c>shard_mb</c>: the blob trigger plans the shards (record-aligned byte
/// ranges: JSONL's by probing at each cut, CSV's in one pass that queues each shard as it cuts it; or Parquet row
/// groups), writes the plan once and queues one task per shard on <c>ingest-shards</c>; any host instance takes a task
/// (holding two at most, whose records it runs one after the other: <see cref="ShardSlots"/>), claims the shard with a
/// blob lease (renewed while it runs, so a killed instance's shard is taken over when the lease runs out), runs the same record steps as the whole drop's ETL on its range, stores its
/// outputs and then its receipt (written once: the shard is done exactly once). The instance that stores the last
/// receipt commits: dedup and <c>unique</c> across shards from every shard's sorted keys; the shards' parts become the
/// version's (copied server-side; a part holding a record that duplicates an earlier shard's is written again without
/// it), the content hash taken from the records' digests, so the version id is the whole drop's run's; quarantine merged;
/// and the same quality gate, publish, lineage and announcement as a whole drop.
/// </summary>
public sealed partial class DropIngestor
{
    /// <summary>Attempts at a shard (a kill counts) before its drop fails: the hosts' default maxDequeueCount.</summary>
    internal const int ShardAttempts = 5;

    /// <summary>How long a shard's claim lasts without renewal: how soon a killed instance's shard is taken over.</summary>
    internal static readonly TimeSpan ShardLease = TimeSpan.FromSeconds(15);

    private const string PlanFile = "plan.json";

    /// <summary>The plan without its ranges, written once before the planning pass queues its first shard.</summary>
    private const string OpenPlanFile = "open.json";

    /// <summary>Runs after the planning pass queues a shard, before the pass goes on: tests run the shard there, or stop the pass.</summary>
    internal Func<ShardTask, Task>? ShardQueued { get; set; }

    /// <summary>Runs in each attempt at a shard (given the attempt) between storing its records and its other outputs: tests fail or kill it there.</summary>
    internal Func<ShardTask, int, Task>? ShardMidway { get; set; }

    private readonly ShardSlots _shardSlots = new();
    private int _shardsHandedBack;

    /// <summary>Shard tasks this instance handed back to the queue because it held <see cref="ShardSlots.Held"/> already (tests and logs).</summary>
    internal int ShardsHandedBack => _shardsHandedBack;

    private BlobContainerClient Staging => storage.Container(StorageNames.DatasetsContainer);

    private string ShardsFolder(string container, string name, string etag) => PartStaging.ForDrop(storage, container, name, etag).Folder + "shards/";

    private static string ShardFolder(string folder, int shard) => $"{folder}{shard:00000}/";

    /// <summary>Receipts have a folder of their own: the fan-in check lists them alone.</summary>
    private static string ReceiptPath(string folder, int shard) => $"{folder}receipts/{shard:00000}.json";

    private static string OutputFolder(string folder, int shard, int generation) => $"{ShardFolder(folder, shard)}g{generation}/";

    /// <summary>
    /// Plans and queues the shards of a drop above its source's <c>shard_mb</c>; null when the drop is ingested whole
    /// (small, gzip, UTF-16, one row group, or unreadable: the whole path reports that), with <paramref name="whole"/> saying why
    /// when a drop above the size stays whole.
    /// </summary>
    private async Task<IngestionResult?> StartShardsAsync(DropRun run, BlobClient blob, ETag etag, Action<string> whole, CancellationToken cancellationToken)
    {
        if (run.Definition.ShardBytes is not { } shardBytes)
        {
            return null;
        }

        var conditions = new BlobRequestConditions { IfMatch = etag };
        SourceFormat format;
        long length;
        try
        {
            if ((length = (await blob.GetPropertiesAsync(conditions, cancellationToken)).Value.ContentLength) <= shardBytes)
            {
                return null;
            }

            format = DropReader.DetectFormat(run.Name, run.Definition.Format);
        }
        catch (Exception ex) when (ex is UnreadableDropException or RequestFailedException { Status: 404 or 412 })
        {
            return null;
        }

        if (DropReader.IsGzip(run.Name))
        {
            whole($"above shard_mb ({run.Definition.ShardMb} MiB) but ingested whole: a single gzip stream cannot be entered in the middle");
            return null;
        }

        if (await _ingestions.GetAsync(run.Source, run.Name, run.ETag, cancellationToken) is { } logged && logged.Status != nameof(IngestionStatus.Sharded))
        {
            // A trigger delivered again after the shards' fan-in ended the drop: nothing to plan or queue.
            return new IngestionResult(IngestionStatus.Unchanged, run.Source, run.Name, run.ETag, new IngestionCounts(), null,
                $"ingested in shards already: {logged.Status}{(logged.VersionId is { } id ? " " + id : "")}", logged.QuarantineFolder);
        }

        var folder = ShardsFolder(run.Container, run.Name, run.ETag);
        var planBlob = Staging.GetBlobClient(folder + PlanFile);
        var queue = storage.Queue(StorageNames.IngestShardsQueue);
        var queued = 0;
        var plan = await planBlob.ReadAsync<ShardedDrop>(cancellationToken);
        if (plan is null)
        {
            var preprocessing = PreprocessingVersion.For(run.Definition, run.Lifecycle.Preprocessing, run.Lifecycle.Quality);
            try
            {
                if (format == SourceFormat.Parquet)
                {
                    await using var seekable = await blob.OpenReadAsync(new BlobOpenReadOptions(false) { Conditions = conditions, BufferSize = 1 << 20 }, cancellationToken);
                    var groups = await ShardPlanner.PlanParquetAsync(seekable, shardBytes, cancellationToken);
                    plan = new ShardedDrop(run.Source, run.Container, run.Name, run.ETag, format, seekable.Length, preprocessing, new ShardRange(-1, 0, 0), 0, [], groups, clock.GetUtcNow()) { ShardBytes = shardBytes };
                }
                else
                {
                    var head = (await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(0, 2), Conditions = conditions }, cancellationToken)).Value.Content.ToArray();
                    if (head is [0xFF, 0xFE] or [0xFE, 0xFF])
                    {
                        whole($"above shard_mb ({run.Definition.ShardMb} MiB) but ingested whole: UTF-16 cannot be cut at line feeds");
                        return null;
                    }

                    if (format == SourceFormat.Jsonl)
                    {
                        // A record ends at any line feed: a few KiB read at each cut find it, and the shards count their lines.
                        var probed = await ShardPlanner.ProbeJsonlAsync(
                            async (offset, count, token) => (await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(offset, count), Conditions = conditions }, token)).Value.Content.ToMemory(),
                            length, shardBytes, cancellationToken);
                        plan = new ShardedDrop(run.Source, run.Container, run.Name, run.ETag, format, length, preprocessing, probed.Header, 0, probed.Shards, [], clock.GetUtcNow()) { ShardBytes = shardBytes };
                    }
                    else
                    {
                        plan = await CutCsvAsync(run, blob, etag, format, preprocessing, shardBytes, folder, cut => QueueAsync(cut.Shard.Index, cut.Shard), cancellationToken);
                    }
                }
            }
            catch (Exception ex) when (ex is UnreadableDropException or RequestFailedException { Status: 404 or 412 })
            {
                return null;
            }

            if (plan.Count < 2)
            {
                whole($"above shard_mb ({run.Definition.ShardMb} MiB) but ingested whole: it has no record boundary (or row group) to cut at");
                return null;
            }

            // Written once: a retried trigger queues the plan the first run wrote. The last shard goes out after it, so
            // whichever shard finishes last finds the whole plan.
            await planBlob.TryCreateAsync(BinaryData.FromObjectAsJson(plan, JsonSerializerOptions.Web), cancellationToken: cancellationToken);
            plan = await planBlob.ReadAsync<ShardedDrop>(cancellationToken) ?? plan;
        }

        var result = new IngestionResult(IngestionStatus.Sharded, run.Source, run.Name, run.ETag, new IngestionCounts(), null,
            $"cut into {plan.Count} shards of about {run.Definition.ShardMb} MiB, queued on {StorageNames.IngestShardsQueue}", null);
        if (queued == 0)
        {
            // Logged before the tasks go out, so the fan-in's outcome is never overwritten by this one.
            await RecordAsync(run, result, cancellationToken);
        }

        for (var shard = queued; shard < plan.Count; shard++)
        {
            await QueueAsync(shard, null);
        }

        logger.LogInformation("{Blob}: {Shards} shards queued ({Bytes} bytes)", run.Name, plan.Count, plan.Length);
        return result;

        async Task QueueAsync(int shard, ShardRange? range)
        {
            var task = new ShardTask(run.Source, run.Container, run.Name, run.ETag, shard, range);
            await queue.SendMessageAsync(JsonSerializer.Serialize(task, JsonSerializerOptions.Web), cancellationToken);
            queued = shard + 1;
            if (ShardQueued is { } queuedHook)
            {
                await queuedHook(task);
            }
        }
    }

    /// <summary>
    /// The plan of a CSV drop, from one sequential pass over its bytes (no parsing): the quote state at a line feed
    /// depends on everything before it. One streamed GET, as the whole drop's ETL reads it (ranged reads cost the
    /// emulator several times the CPU). Each shard is handed to <paramref name="queue"/> as soon as its end is found, so
    /// the shards run while the pass goes on; before the first, the open plan is written once and the drop logged.
    /// </summary>
    private async Task<ShardedDrop> CutCsvAsync(DropRun run, BlobClient blob, ETag etag, SourceFormat format, string preprocessing, long shardBytes, string folder, Func<ShardCut, Task> queue, CancellationToken cancellationToken)
    {
        // A pass before this one (its trigger retried) queued shards cut at its size: cut at the same.
        var openBlob = Staging.GetBlobClient(folder + OpenPlanFile);
        var open = await openBlob.ReadAsync<ShardedDrop>(cancellationToken);
        var cutAt = open?.ShardBytes ?? shardBytes;
        preprocessing = open?.Preprocessing ?? preprocessing;
        var opened = false;
        await using var stream = new ReadAheadStream(await blob.OpenStreamAsync(etag, cancellationToken));
        var cut = await ShardPlanner.PlanAsync(stream, csv: true, cutAt, async found =>
        {
            if (!opened)
            {
                open ??= new ShardedDrop(run.Source, run.Container, run.Name, run.ETag, format, 0, preprocessing, found.Header, found.HeaderLines, [], [], clock.GetUtcNow()) { Open = true, ShardBytes = cutAt };
                await openBlob.TryCreateAsync(BinaryData.FromObjectAsJson(open, JsonSerializerOptions.Web), cancellationToken: cancellationToken);
                await RecordAsync(run, new IngestionResult(IngestionStatus.Sharded, run.Source, run.Name, run.ETag, new IngestionCounts(), null,
                    $"being cut into shards of about {run.Definition.ShardMb} MiB, each queued on {StorageNames.IngestShardsQueue} as it is cut", null), cancellationToken);
                opened = true;
            }

            await queue(found);
        }, cancellationToken);
        return new ShardedDrop(run.Source, run.Container, run.Name, run.ETag, format, cut.Length, preprocessing, cut.Header, cut.HeaderLines, cut.Shards, [], clock.GetUtcNow()) { ShardBytes = cutAt };
    }

    /// <summary>
    /// A shard task from <c>ingest-shards</c>: runs the shard unless its receipt exists or another live instance holds it,
    /// then commits the drop if every shard is done. A storage fault throws (the host retries); a shard that fails
    /// <see cref="ShardAttempts"/> times fails its drop with a report and goes to the poison queue.
    /// </summary>
    internal async Task<HandlerOutcome> ProcessShardAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ShardTask? task;
        try
        {
            task = JsonSerializer.Deserialize<ShardTask>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            return HandlerOutcome.DeadLetter($"not a shard task: {ex.Message}");
        }

        if (task is null || task.Source is null || task.Container is null || task.Name is null || task.ETag is null)
        {
            return HandlerOutcome.DeadLetter("not a shard task: source, container, name, etag and shard are required");
        }

        var folder = ShardsFolder(task.Container, task.Name, task.ETag);
        var plan = await WholePlanAsync(folder, cancellationToken) ?? await Staging.GetBlobClient(folder + OpenPlanFile).ReadAsync<ShardedDrop>(cancellationToken);
        if (plan is null)
        {
            return HandlerOutcome.DeadLetter($"no shard plan for {task.Container}/{task.Name} ({task.ETag}) at {StorageNames.DatasetsContainer}/{folder}{PlanFile}");
        }

        if (plan.Open ? task.Shard < 0 || task.Range is not { } range || range.Index != task.Shard || range.Start < plan.Header.End || range.Length <= 0
            : task.Shard < 0 || task.Shard >= plan.Count)
        {
            return HandlerOutcome.DeadLetter(plan.Open
                ? $"shard {task.Shard} of {task.Container}/{task.Name} was queued while its plan was being cut, without a valid byte range"
                : $"shard {task.Shard} is not in the plan of {task.Container}/{task.Name}, which has {plan.Count}");
        }

        // A shard done already is found so under its claim (a duplicate task is rare; the common case saves a request).
        using (var slot = _shardSlots.TryHold(folder, task.Shard))
        {
            if (slot is null)
            {
                await HandBackAsync(task, cancellationToken);
                return HandlerOutcome.Done;
            }

            if (await RunClaimedShardAsync(plan, folder, task, slot, cancellationToken) is { } outcome)
            {
                return outcome;
            }
        }

        // A shard queued during the planning pass: the plan may be whole by now (if not, the last shard, queued after it, commits).
        if ((plan.Open ? await WholePlanAsync(folder, cancellationToken) : plan) is { } whole)
        {
            await CommitIfCompleteAsync(whole, folder, cancellationToken);
        }

        return HandlerOutcome.Done;
    }

    /// <summary>
    /// Puts a task this instance cannot hold back on the queue for any instance, later each time it comes back (1 s,
    /// doubling to 30 s), so a busy instance does not sit on a batch while others could run it. No attempt is counted.
    /// </summary>
    private async Task HandBackAsync(ShardTask task, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(task.HandedBack, 5)));
        await storage.Queue(StorageNames.IngestShardsQueue).SendMessageAsync(
            JsonSerializer.Serialize(task with { HandedBack = task.HandedBack + 1 }, JsonSerializerOptions.Web), delay, cancellationToken: cancellationToken);
        Interlocked.Increment(ref _shardsHandedBack);
        logger.LogInformation("Shard {Shard} of {Blob} handed back to {Queue} for {Delay} s: this instance holds {Held} shards", task.Shard, task.Name, StorageNames.IngestShardsQueue, delay.TotalSeconds, ShardSlots.Held);
    }

    /// <summary>Shards whose files the fan-in fetches at once: the one it merges and the next ones (an index is 40 bytes a record).</summary>
    private const int FanInAhead = 4;

    /// <summary>What the fan-in reads of a shard besides its keys: its parts, index (line and digest per record) and rejections.</summary>
    private sealed record ShardFiles(List<ShardPart> Parts, BinaryData Index, BinaryData Quarantine, string Outputs, ShardSections Sections);

    /// <summary>" of N" when the plan knows how many shards there are.</summary>
    private static string OfCount(ShardedDrop plan) => plan.Open ? "" : $" of {plan.Count}";

    /// <summary>Claims the shard and runs it; null when it is done (now or by another instance meanwhile).</summary>
    private async Task<HandlerOutcome?> RunClaimedShardAsync(ShardedDrop plan, string folder, ShardTask task, ShardSlots.Slot slot, CancellationToken cancellationToken)
    {
        var shardFolder = ShardFolder(folder, task.Shard);
        var receipt = Staging.GetBlobClient(ReceiptPath(folder, task.Shard));
        await using var claim = await ShardClaim.AcquireAsync(Staging.GetBlobClient(shardFolder + "claim"), ShardLease, async () => await receipt.ExistsAsync(cancellationToken), countsAttempts: true, cancellationToken);
        if (claim is null)
        {
            // Held all along by an instance that renews it: that one finishes the shard (or, killed, its task comes back).
            logger.LogInformation("Shard {Shard} of {Blob} is being run by another instance", task.Shard, plan.Name);
            return HandlerOutcome.Done;
        }

        if (await receipt.ExistsAsync(cancellationToken))
        {
            return null;
        }

        var attempt = await claim.CountAttemptAsync(cancellationToken);
        if (await ShardLifecycleAsync(plan, folder, cancellationToken) is not { } found)
        {
            return await FailDropAsync(plan, IngestionStatus.Failed, $"the lifecycle of source '{plan.Source}' changed while its drop was ingested in shards: drop the file again", cancellationToken);
        }

        if (attempt > ShardAttempts)
        {
            return await FailDropAsync(plan, IngestionStatus.Failed, $"shard {task.Shard}{OfCount(plan)} did not finish in {ShardAttempts} attempts (the instances running it stopped or failed)", cancellationToken);
        }

        var started = Stopwatch.GetTimestamp();
        ShardResult? result;
        try
        {
            // The records wait for this instance's turn; the range after it, so the count of the shard before is published.
            ShardRange? range = null;
            result = await RunShardAsync(plan, found, task.Shard, async () =>
                {
                    await slot.RunRecordsAsync(cancellationToken);
                    return range = await RangeAsync(plan, folder, task.Shard, task.Range, cancellationToken);
                },
                null, OutputFolder(folder, task.Shard, 0), async lineFeeds =>
                {
                    if (plan.Format == SourceFormat.Jsonl)
                    {
                        // Later shards whose plan did not count lines number theirs from this.
                        await PublishLineFeedsAsync(folder, range!, lineFeeds, cancellationToken);
                    }

                    slot.RecordsDone();
                },
                ShardMidway is { } midway ? () => midway(task, attempt) : null, cancellationToken);
        }
        catch (UnreadableDropException ex)
        {
            return await FailDropAsync(plan, IngestionStatus.Unreadable, $"shard {task.Shard}: {ex.Message}", cancellationToken);
        }
        catch (Exception ex) when (attempt >= ShardAttempts && ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Shard {Shard} of {Blob} failed its last attempt", task.Shard, plan.Name);
            return await FailDropAsync(plan, IngestionStatus.Failed, $"shard {task.Shard}{OfCount(plan)} failed {attempt} attempts; the last: {ex.Message}", cancellationToken);
        }

        if (result is null)
        {
            logger.LogInformation("Shard {Shard} of {Blob}: the blob changed since it was planned; its new version has a trigger of its own", task.Shard, plan.Name);
            return HandlerOutcome.Done;
        }

        await receipt.TryCreateAsync(BinaryData.FromObjectAsJson(
            new ShardReceipt(task.Shard, attempt, ShardClaim.Host, result.Counts, result.Sections, Stopwatch.GetElapsedTime(started).TotalSeconds, clock.GetUtcNow()), JsonSerializerOptions.Web),
            cancellationToken: cancellationToken);
        return null;
    }

    /// <summary>The plan's source as the lifecycle defines it now, or null when it is gone or its preprocessing changed since the plan.</summary>
    private async Task<(LifecycleDefinition Lifecycle, SourceDefinition Source)?> ShardLifecycleAsync(ShardedDrop plan, CancellationToken cancellationToken)
    {
        var found = await lifecycles.FindSourceAsync(plan.Source, cancellationToken);
        return found is { } f && PreprocessingVersion.For(f.Source, f.Lifecycle.Preprocessing, f.Lifecycle.Quality) == plan.Preprocessing ? f : null;
    }

    /// <summary>
    /// A shard's source: as the last shard of the same drop on this instance found it (an instance runs a drop's
    /// shards in turn), else read. Either way its preprocessing is the plan's, which is all the records depend on; the
    /// fan-in reads the lifecycle afresh, so one changed meanwhile still fails the drop there.
    /// </summary>
    private async Task<(LifecycleDefinition Lifecycle, SourceDefinition Source)?> ShardLifecycleAsync(ShardedDrop plan, string folder, CancellationToken cancellationToken)
    {
        if (_lastShardSource is { } last && last.Folder == folder)
        {
            return last.Value;
        }

        var found = await ShardLifecycleAsync(plan, cancellationToken);
        if (found is { } f)
        {
            _lastShardSource = new(folder, f);
        }

        return found;
    }

    /// <summary>A drop's whole plan, or null while it is being cut: the last one this instance read is kept (it is written once).</summary>
    private async Task<ShardedDrop?> WholePlanAsync(string folder, CancellationToken cancellationToken)
    {
        if (_lastPlan is { } last && last.Folder == folder)
        {
            return last.Value;
        }

        var plan = await Staging.GetBlobClient(folder + PlanFile).ReadAsync<ShardedDrop>(cancellationToken);
        if (plan is not null)
        {
            _lastPlan = new(folder, plan);
        }

        return plan;
    }

    /// <summary>Something read for the shards of the drop whose shards folder is <see cref="Folder"/>.</summary>
    private sealed record ReadFor<T>(string Folder, T Value);

    private ReadFor<ShardedDrop>? _lastPlan;
    private ReadFor<(LifecycleDefinition Lifecycle, SourceDefinition Source)>? _lastShardSource;

    /// <summary>
    /// One run of a shard's records through the same steps as a whole drop (seeded with what earlier shards registered,
    /// in a fan-in's rerun), its outputs stored under <paramref name="prefix"/>; null when the blob changed since the plan.
    /// <paramref name="range"/> is awaited once the run is set up, just before the records are read;
    /// <paramref name="recordsRead"/> is given the range's line feeds once they are, before the outputs are stored.
    /// </summary>
    private async Task<ShardResult?> RunShardAsync(ShardedDrop plan, (LifecycleDefinition Lifecycle, SourceDefinition Source) found, int shard, Func<Task<ShardRange?>> range, IEnumerable<(byte, UInt128, long)>? seeds, string prefix, Func<long, Task>? recordsRead, Func<Task>? midway, CancellationToken cancellationToken)
    {
        var (lifecycle, definition) = found;
        var updated = new HashSet<long>();
        var processor = new RecordProcessor(lifecycle, definition, await PreviousRecordsAsync(definition, cancellationToken))
        {
            Suppression = await _suppressions.LoadAsync(cancellationToken),
            UpdatedLines = updated,
        };
        if (seeds is not null)
        {
            processor.Seed(seeds);
        }

        var staging = PartStaging.ForDrop(storage, plan.Container, plan.Name, plan.ETag);
        await using var output = new ShardOutputWriter(staging.Kept(prefix[staging.Folder.Length..]));
        var blob = storage.Container(plan.Container).GetBlobClient(plan.Name);
        var conditions = new BlobRequestConditions { IfMatch = new ETag(plan.ETag) };
        if (await range() is not { } shardRange)
        {
            return null;
        }

        LineFeedCountingStream? lineFeeds = null;
        try
        {
            if (plan.Format == SourceFormat.Parquet)
            {
                var groups = plan.RowGroups[shard];
                await using var seekable = await blob.OpenReadAsync(new BlobOpenReadOptions(false) { Conditions = conditions, BufferSize = 4 << 20 }, cancellationToken);
                await ProcessAsync(ParquetRecordReader.ReadAsync(seekable, groups.FirstGroup, groups.EndGroup, groups.FirstRow, cancellationToken));
            }
            else
            {
                var header = plan.Header.Length == 0 ? ReadOnlyMemory<byte>.Empty
                    : (await blob.DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(0, plan.Header.Length), Conditions = conditions }, cancellationToken)).Value.Content.ToMemory();
                lineFeeds = new LineFeedCountingStream((await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(shardRange.Start, shardRange.Length), Conditions = conditions }, cancellationToken)).Value.Content);
                await using var content = new ReadAheadStream(new PrefixedReadStream(header, lineFeeds));
                var outcomes = DropReader.ReadAsync(content, plan.Name, definition.Format, definition.Limits, cancellationToken);
                await ProcessAsync(Renumbered(outcomes, shardRange.LinesBefore - plan.HeaderLines));
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }

        if (recordsRead is not null)
        {
            await recordsRead(lineFeeds?.LineFeeds ?? 0);
        }

        var sections = await output.UploadAsync(Staging, prefix + ShardOutputWriter.OutputsFile, processor.Registrations(), updated, midway, cancellationToken);
        return new ShardResult(ShardCounts.Of(processor.Counts), sections);

        Task ProcessAsync(IAsyncEnumerable<ReadOutcome> outcomes) =>
            Pipelined ? processor.ProcessAsync(outcomes, StoreAsync, cancellationToken) : processor.ProcessInOrderAsync(outcomes, StoreAsync, cancellationToken);

        // The shard's records keep the line numbers they have in the whole drop.
        async IAsyncEnumerable<ReadOutcome> Renumbered(IAsyncEnumerable<ReadOutcome> outcomes, long lineOffset)
        {
            await foreach (var outcome in outcomes.WithCancellation(cancellationToken))
            {
                yield return outcome with { Line = outcome.Line + lineOffset };
            }
        }

        async ValueTask StoreAsync(IReadOnlyList<(DatasetRecord? Record, QuarantinedRecord? Rejection)> results)
        {
            foreach (var (record, rejection) in results)
            {
                if (record is not null)
                {
                    await output.AddRecordAsync(record, cancellationToken);
                }
                else
                {
                    output.AddRejection(rejection!);
                }
            }
        }
    }

    /// <summary>Commits the drop when every shard has its receipt, unless it is committed (or failed) already or another instance is committing it.</summary>
    private async Task CommitIfCompleteAsync(ShardedDrop plan, string folder, CancellationToken cancellationToken)
    {
        var receipts = 0;
        await foreach (var _ in Staging.GetBlobsAsync(new GetBlobsOptions { Prefix = folder + "receipts/" }, cancellationToken))
        {
            receipts++;
        }

        if (receipts < plan.Count || await CommittedAsync(plan, cancellationToken))
        {
            return;
        }

        await using var claim = await ShardClaim.AcquireAsync(Staging.GetBlobClient(folder + "commit"), ShardLease, () => CommittedAsync(plan, cancellationToken), countsAttempts: false, cancellationToken);
        if (claim is null || await CommittedAsync(plan, cancellationToken))
        {
            return;
        }

        await CommitAsync(plan, folder, cancellationToken);
    }

    private async Task<bool> CommittedAsync(ShardedDrop plan, CancellationToken cancellationToken) =>
        await _ingestions.GetAsync(plan.Source, plan.Name, plan.ETag, cancellationToken) is { } logged && logged.Status != nameof(IngestionStatus.Sharded);

    /// <summary>
    /// The fan-in: shards whose <c>unique</c> values an earlier shard holds are run again, seeded (the first such shard
    /// first, until none is left); then each shard's parts join the version in order, less the records whose content an
    /// earlier shard holds (they become dedup quarantine, as in the whole drop's run, and their parts are written
    /// again), the version's content hash is taken from the kept records' digests, quarantine is merged in line order,
    /// and the drop is published as a whole drop is.
    /// </summary>
    private async Task CommitAsync(ShardedDrop plan, string folder, CancellationToken cancellationToken)
    {
        if (await ShardLifecycleAsync(plan, cancellationToken) is not { } found)
        {
            await FailDropAsync(plan, IngestionStatus.Failed, $"the lifecycle of source '{plan.Source}' changed while its drop was ingested in shards: drop the file again", cancellationToken);
            return;
        }

        var (lifecycle, definition) = found;
        var run = new DropRun(plan.Source, lifecycle, definition, plan.Container, plan.Name, plan.ETag);
        var caller = await governance.DemandAsync(Role.Contributor, lifecycle.Feature, $"ingest {plan.Container}/{plan.Name}", cancellationToken);
        var results = new ShardResult[plan.Count];
        await Parallel.ForAsync(0, plan.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (shard, token) =>
        {
            var receipt = (await Staging.GetBlobClient(ReceiptPath(folder, shard)).ReadAsync<ShardReceipt>(token))!;
            results[shard] = new ShardResult(receipt.Counts, receipt.Sections);
        });

        var generations = new int[plan.Count];
        Dictionary<int, List<ShardConflict>> conflicts;
        while (true)
        {
            conflicts = await ShardKeyMerge.ConflictsAsync(plan.Count, async shard => new ShardKeyReader(
                await ShardOutputReader.OpenAsync(Staging, OutputFolder(folder, shard, generations[shard]) + ShardOutputWriter.OutputsFile, 0, results[shard].Sections.Keys, cancellationToken)));
            var rerun = conflicts.Where(c => c.Value.Any(k => k.Kind != RecordProcessor.DedupKind)).Select(c => c.Key).DefaultIfEmpty(-1).Min();
            if (rerun < 0)
            {
                break;
            }

            logger.LogInformation("{Blob}: shard {Shard} holds unique values of earlier shards; running it again, seeded with them", plan.Name, rerun);
            generations[rerun]++;
            var seeds = conflicts[rerun].Select(c => (c.Kind, c.Hash, c.FirstLine));
            if (await RunShardAsync(plan, found, rerun, () => RangeAsync(plan, folder, rerun, null, cancellationToken), seeds, OutputFolder(folder, rerun, generations[rerun]), null, null, cancellationToken) is not { } rerunResult)
            {
                return;
            }

            results[rerun] = rerunResult;
        }

        var total = new IngestionCounts();
        foreach (var result in results)
        {
            result.Counts.AddTo(total);
        }

        var processor = new RecordProcessor(lifecycle, definition);
        await using var quarantine = new QuarantineWriter(storage, plan.Source, plan.Name, plan.ETag);
        using var content = new DatasetContentHash();
        var parts = new List<SpooledPart>();
        var rewrites = new List<DatasetSpool>();
        try
        {
            // A shard's index, parts list and quarantine are fetched while the shards before it are merged.
            var fetches = new Task<ShardFiles>[plan.Count];
            for (var shard = 0; shard < plan.Count; shard++)
            {
                for (var ahead = shard; ahead < Math.Min(plan.Count, shard + FanInAhead); ahead++)
                {
                    fetches[ahead] ??= FetchAsync(OutputFolder(folder, ahead, generations[ahead]) + ShardOutputWriter.OutputsFile, results[ahead].Sections);
                }

                await FanInShardAsync(shard, await fetches[shard]);
            }

            var result = await PublishDropAsync(run, total, parts, content.Finish(), quarantine, plan.Count, null, cancellationToken);
            await AuditAsync(caller, lifecycle.Feature, plan.Container, plan.Name, result, cancellationToken);
        }
        finally
        {
            foreach (var rewrite in rewrites)
            {
                await rewrite.DisposeAsync();
            }
        }

        await DeleteShardOutputsAsync(folder, cancellationToken);

        async Task<ShardFiles> FetchAsync(string outputs, ShardSections sections)
        {
            // Index, quarantine and parts list lie side by side: one ranged read.
            var files = (await Staging.GetBlobClient(outputs).DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(sections.FilesStart, sections.FilesLength) }, cancellationToken)).Value.Content.ToMemory();
            var parts = JsonSerializer.Deserialize<List<ShardPart>>(files.Span[(int)(sections.Index + sections.Quarantine)..], JsonSerializerOptions.Web)!;
            return new ShardFiles(parts, new BinaryData(files[..(int)sections.Index]), new BinaryData(files.Slice((int)sections.Index, (int)sections.Quarantine)), outputs, sections);
        }

        async Task FanInShardAsync(int shard, ShardFiles files)
        {
            // Content an earlier shard holds: line of this shard's first record with it -> line of the drop's first.
            var duplicates = conflicts.GetValueOrDefault(shard)?.Where(c => c.Kind == RecordProcessor.DedupKind).ToDictionary(c => c.Line, c => c.FirstLine) ?? [];
            // Without duplicates (the common case) the index is only its digests, streamed into the version's hash.
            List<(long Line, byte[] Digest)>? index = null;
            if (duplicates.Count > 0)
            {
                index = [];
                using var reader = ShardOutputReader.Open(files.Index.ToStream(), compressed: false);
                for (var line = reader.ReadInt64(); line != ShardOutputWriter.End; line = reader.ReadInt64())
                {
                    index.Add((line, reader.ReadBytes(DatasetContentHash.DigestBytes)));
                }
            }

            var shardParts = files.Parts;
            var moved = new List<QuarantinedRecord>();
            if (index is null || !index.Any(entry => duplicates.ContainsKey(entry.Line)))
            {
                // Every record stays: the shard's parts are the version's, copied server-side, hashed by their digests.
                if (index is null)
                {
                    using var digests = files.Index.ToStream();
                    ShardOutputReader.ReadDigests(digests, content.AppendDigest);
                }
                else
                {
                    foreach (var (_, digest) in index)
                    {
                        content.AppendDigest(digest);
                    }
                }

                var first = parts.Count;
                parts.AddRange(shardParts.Select((p, i) => p.As($"part-{first + i:00000}.jsonl.gz")));
            }
            else
            {
                // Records that duplicate an earlier shard's leave; the parts that held them are written again.
                var updated = new HashSet<long>();
                using (var reader = ShardOutputReader.Open(await ShardOutputReader.OpenAsync(Staging, files.Outputs, files.Sections.UpdatedStart, files.Sections.Updated, cancellationToken), compressed: true))
                {
                    for (var line = reader.ReadInt64(); line != ShardOutputWriter.End; line = reader.ReadInt64())
                    {
                        updated.Add(line);
                    }
                }

                var rewrite = new DatasetSpool();
                rewrites.Add(rewrite);
                var next = 0;
                foreach (var part in shardParts)
                {
                    await using var gzip = new GZipStream(await Staging.GetBlobClient(new BlobUriBuilder(part.Blob).BlobName).OpenReadAsync(new BlobOpenReadOptions(false), cancellationToken), CompressionMode.Decompress);
                    await foreach (var line in Utf8LineReader.ReadAsync(gzip, cancellationToken: cancellationToken))
                    {
                        var (number, digest) = index[next++];
                        if (!duplicates.TryGetValue(number, out var firstLine))
                        {
                            await rewrite.AddLineAsync(line.Bytes, cancellationToken);
                            content.AppendDigest(digest);
                            continue;
                        }

                        // Accepted here, a duplicate in the whole drop: what its run counted for it is taken back.
                        var record = JsonSerializer.Deserialize<DatasetRecord>(line.Bytes.Span, JsonSerializerOptions.Web)!;
                        total.Accepted--;
                        total.Chunks -= record.Chunks.Count;
                        total.Tokens -= record.Tokens;
                        total.Updated -= updated.Contains(number) ? 1 : 0;
                        ShardCounts.Add(total.Languages, new Dictionary<string, long> { [record.Language] = -1 });
                        total.Quarantined++;
                        ShardCounts.Add(total.QuarantinedByRule, new Dictionary<string, long> { ["dedup"] = 1 });
                        moved.Add(processor.DuplicateRecord(number, firstLine, processor.AcceptedFields(record)));
                    }
                }

                await rewrite.CompleteAsync(cancellationToken);
                var firstRewritten = parts.Count;
                parts.AddRange(rewrite.Parts.Select((p, i) => p with { Name = $"part-{firstRewritten + i:00000}.jsonl.gz" }));
            }

            var nextMoved = 0;
            using (var reader = ShardOutputReader.Open(files.Quarantine.ToStream(), compressed: true))
            {
                for (var line = reader.ReadInt64(); line != ShardOutputWriter.End; line = reader.ReadInt64())
                {
                    var duplicateOf = reader.ReadInt64();
                    var rejection = JsonSerializer.Deserialize<QuarantinedRecord>(ShardOutputReader.ReadFrame(reader), JsonSerializerOptions.Web)!;
                    var wouldBe = ShardOutputReader.ReadFrame(reader);
                    if (duplicates.TryGetValue(duplicateOf, out var firstLine))
                    {
                        // A duplicate of a record that is itself a duplicate in the whole drop: it points at the drop's first.
                        rejection = rejection with { Reason = processor.DuplicateRecord(line, firstLine, null).Reason };
                    }
                    else if (duplicates.TryGetValue(line, out firstLine) && wouldBe.Length > 0)
                    {
                        // Registered here and quarantined after dedup (on_update): in the whole drop, dedup stops it first.
                        ShardCounts.Add(total.QuarantinedByRule, new Dictionary<string, long> { [rejection.Rule] = -1, ["dedup"] = 1 });
                        rejection = processor.DuplicateRecord(line, firstLine, processor.AcceptedFields(JsonSerializer.Deserialize<DatasetRecord>(wouldBe, JsonSerializerOptions.Web)!));
                    }

                    for (; nextMoved < moved.Count && moved[nextMoved].Line < line; nextMoved++)
                    {
                        await quarantine.AddAsync(moved[nextMoved], cancellationToken);
                    }

                    await quarantine.AddAsync(rejection, cancellationToken);
                }
            }

            for (; nextMoved < moved.Count; nextMoved++)
            {
                await quarantine.AddAsync(moved[nextMoved], cancellationToken);
            }
        }
    }

    /// <summary>Ends a sharded drop without a version: its report says which shard and why; the shard task goes to the poison queue.</summary>
    private async Task<HandlerOutcome> FailDropAsync(ShardedDrop plan, IngestionStatus status, string reason, CancellationToken cancellationToken)
    {
        var found = await lifecycles.FindSourceAsync(plan.Source, cancellationToken);
        await using var quarantine = new QuarantineWriter(storage, plan.Source, plan.Name, plan.ETag);
        var run = new DropRun(plan.Source, found?.Lifecycle!, found?.Source!, plan.Container, plan.Name, plan.ETag);
        var result = await FinishWholeAsync(run, quarantine, status, reason, new IngestionCounts(), cancellationToken, plan.Open ? null : plan.Count);
        await AuditAsync(governance.Caller, found?.Lifecycle.Feature, plan.Container, plan.Name, result, cancellationToken);
        return HandlerOutcome.DeadLetter(reason);
    }

    /// <summary>Deletes what the shards stored for the fan-in; the plan, claims and receipts stay (a late duplicate task finds the drop done), until staging expires.</summary>
    private async Task DeleteShardOutputsAsync(string folder, CancellationToken cancellationToken)
    {
        var outputs = Staging.GetBlobsAsync(new GetBlobsOptions { Prefix = folder }, cancellationToken)
            .Where(blob => blob.Name.EndsWith(".gz", StringComparison.Ordinal) || blob.Name.EndsWith(".bin", StringComparison.Ordinal));
        await Parallel.ForEachAsync(outputs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (blob, token) =>
            await Staging.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: token));
    }
}
