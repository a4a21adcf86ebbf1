using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LlmOps.Datasets;
using LlmOps.Ingestion;
using LlmOps.Ingestion.Sharding;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Tests.Ingestion;

/// <summary>
/// A drop above <c>shard_mb</c>, cut into shards that three ingestor instances take from the queue, ends as the same
/// version (id, content hash, records, counts) and the same quarantine (rules, lines, reasons, redacted fields) as the same drop
/// ingested whole (its parts are the shards', so they are cut elsewhere), for CSV whose quoted fields hold line breaks where a cut would fall, JSONL and Parquet; across shards
/// the drop holds duplicates (and a duplicate of a duplicate), repeated ids (one whose record's text a later record of
/// its shard repeats, so the shard runs again seeded), updates of the previous version, PII and bad records. A shard
/// failing every attempt fails the drop with a report and poisons its task.
/// </summary>
public sealed class ShardedIngestionTests
{
    internal const int RecordsCount = 12_000;

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    [InlineData("parquet")]
    public async Task ShardedAcrossInstances_SameVersionRecordsAndQuarantine_AsTheWholeDrop(string format)
    {
        var (drop, whole, wholeResult, sharded, name, etag) = await WholeThenShardedAsync(format);
        Assert.True(drop.Length > 3 << 20, $"{drop.Length} bytes");
        var plan = (await sharded.Storage.Container(StorageNames.DatasetsContainer).GetBlobClient(PartStaging.ForDrop(sharded.Storage, "raw", name, etag.ToString()).Folder + "shards/plan.json").ReadAsync<ShardedDrop>())!;
        Assert.InRange(plan.Count, 3, 8);
        if (format == "csv")
        {
            // The hazard is real: a cut at the first line feed after each MiB would fall inside a quoted field somewhere.
            Assert.Contains(Enumerable.Range(1, drop.Length >> 20), k => InsideQuotes(drop, Array.IndexOf(drop, (byte)'\n', k << 20)));
        }

        var outcome = await DrainAsync(sharded, name, etag, [sharded.Ingestor(), sharded.Ingestor(), sharded.Ingestor()]);
        Assert.Equal(nameof(IngestionStatus.Published), outcome.Status);
        Assert.Equal(wholeResult.Version!.Id, outcome.VersionId);

        var wholeManifest = wholeResult.Version;
        var shardedManifest = (await new DatasetStore(sharded.Storage).GetAsync(outcome.VersionId!))!;
        Assert.Equal(wholeManifest.ContentSha256, shardedManifest.ContentSha256);
        Assert.Equal(wholeManifest.Parts.Sum(p => p.Records), shardedManifest.Parts.Sum(p => p.Records));
        Assert.Equal(JsonSerializer.Serialize(wholeManifest.Quality), JsonSerializer.Serialize(shardedManifest.Quality));
        Assert.Equal((wholeManifest.Records, wholeManifest.Chunks, wholeManifest.Tokens), (shardedManifest.Records, shardedManifest.Chunks, shardedManifest.Tokens));
        Assert.Equal(wholeManifest.Pii, shardedManifest.Pii);
        Assert.Equal(wholeManifest.Languages, shardedManifest.Languages);
        Assert.Equal(await RecordsAsync(whole.Storage, wholeManifest), await RecordsAsync(sharded.Storage, shardedManifest));

        var wholeQuarantine = await QuarantineAsync(whole.Storage, wholeResult.QuarantineFolder!);
        var shardedQuarantine = await QuarantineAsync(sharded.Storage, outcome.QuarantineFolder!);
        Assert.Equal(wholeQuarantine, shardedQuarantine);

        // The cases that cross shards happened, and as the whole drop's run decides them.
        var line = (int i) => format == "parquet" ? i + 1 : LineOf(drop, i);
        Assert.Contains(shardedQuarantine, q => q.Contains($"\"line\":{line(8000)},\"rule\":\"dedup\"", StringComparison.Ordinal) && q.Contains($"same content as line {line(11)}", StringComparison.Ordinal));
        Assert.Contains(shardedQuarantine, q => q.Contains($"\"line\":{line(8001)},\"rule\":\"dedup\"", StringComparison.Ordinal) && q.Contains($"same content as line {line(11)}", StringComparison.Ordinal));
        Assert.Contains(shardedQuarantine, q => q.Contains($"\"line\":{line(7000)},\"rule\":\"unique\"", StringComparison.Ordinal));
        Assert.Contains(shardedQuarantine, q => q.Contains($"\"line\":{line(9000)},\"rule\":\"unique\"", StringComparison.Ordinal));
        Assert.DoesNotContain(shardedQuarantine, q => q.Contains($"\"line\":{line(7005)},", StringComparison.Ordinal));
        Assert.Contains(shardedQuarantine, q => q.Contains($"\"line\":{line(8000)},", StringComparison.Ordinal) && q.Contains("[EMAIL]", StringComparison.Ordinal));
        Assert.DoesNotContain(shardedQuarantine, q => q.Contains("@example.com", StringComparison.Ordinal));
        Assert.True(wholeResult.Counts.Updated > 0);

        var receipts = new List<ShardReceipt>();
        for (var shard = 0; shard < plan.Count; shard++)
        {
            receipts.Add((await sharded.Storage.Container(StorageNames.DatasetsContainer).GetBlobClient($"{PartStaging.ForDrop(sharded.Storage, "raw", name, etag.ToString()).Folder}shards/receipts/{shard:00000}.json").ReadAsync<ShardReceipt>())!);
        }

        Assert.Equal(Enumerable.Range(0, plan.Count), receipts.Select(r => r.Shard));
        Assert.All(receipts, r => Assert.Equal(1, r.Attempt));
        Assert.Equal(RecordsCount, receipts.Sum(r => r.Counts.Read));
    }

    [Fact]
    public async Task ShardsRunWhileThePassCuts_PassKilledAndRetried_SameVersionAsWhole_RedeliveredTriggerChangesNothing()
    {
        var drop = Drop("csv");
        var whole = await SetUpAsync();
        var (name, etag) = await whole.UploadAsync("csv", drop);
        var wholeResult = await whole.Ingestor().IngestAsync(whole.Source, "raw", name, etag, CancellationToken.None);
        Assert.Equal(IngestionStatus.Published, wholeResult.Status);

        var sharded = await SetUpAsync();
        (name, etag) = await sharded.UploadAsync("csv", drop);
        var staging = sharded.Storage.Container(StorageNames.DatasetsContainer);
        var folder = PartStaging.ForDrop(sharded.Storage, "raw", name, etag.ToString()).Folder + "shards/";
        var queue = sharded.Storage.Queue(StorageNames.IngestShardsQueue);
        var log = new IngestionLog(sharded.Storage);
        var found = await sharded.Catalog.FindSourceAsync(sharded.Source, CancellationToken.None);
        var worker = sharded.Ingestor();
        var ranDuringThePass = new List<int>();

        // The first pass: shard 0 is taken off the queue and run by another instance while the pass cuts on; after shard
        // 1 is queued the pass dies (its host killed).
        var planner = sharded.Ingestor();
        planner.ShardQueued = async task =>
        {
            Assert.False(await staging.GetBlobClient(folder + "plan.json").ExistsAsync(), "the plan is whole only when the pass ends");
            Assert.Equal(nameof(IngestionStatus.Sharded), (await log.GetAsync(sharded.Source, name, etag.ToString()))!.Status);
            Assert.NotNull(task.Range);
            if (task.Shard == 0)
            {
                var message = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(2))).Value.Single();
                await RunTaskAsync(worker, queue, message, CancellationToken.None);
                ranDuringThePass.Add(task.Shard);
            }
            else
            {
                throw new OperationCanceledException("the planning host is killed (test)");
            }
        };
        await Assert.ThrowsAsync<OperationCanceledException>(() => planner.IngestAsync(sharded.Source, found, "raw", name, etag, null, CancellationToken.None, mayShard: true));
        Assert.Equal([0], ranDuringThePass);
        Assert.True(await staging.GetBlobClient(folder + "receipts/00000.json").ExistsAsync());
        Assert.StartsWith("being cut into shards", (await log.GetAsync(sharded.Source, name, etag.ToString()))!.Reason, StringComparison.Ordinal);

        // The trigger runs again: the same cuts, every shard queued (shard 1 twice), the plan whole.
        var started = await sharded.Ingestor().IngestAsync(sharded.Source, found, "raw", name, etag, null, CancellationToken.None, mayShard: true);
        Assert.Equal(IngestionStatus.Sharded, started.Status);
        var plan = (await staging.GetBlobClient(folder + "plan.json").ReadAsync<ShardedDrop>())!;
        Assert.False(plan.Open);
        Assert.InRange(plan.Count, 3, 8);
        var outcome = await DrainAsync(sharded, name, etag, [worker, sharded.Ingestor()]);
        await AssertPublishedAsWholeAsync(whole, wholeResult, sharded, outcome);
        for (var shard = 0; shard < plan.Count; shard++)
        {
            Assert.Equal(1, (await staging.GetBlobClient($"{folder}receipts/{shard:00000}.json").ReadAsync<ShardReceipt>())!.Attempt);
        }

        // Delivered again after the fan-in: nothing queued, the log keeps the outcome.
        var again = await sharded.Ingestor().IngestAsync(sharded.Source, found, "raw", name, etag, null, CancellationToken.None, mayShard: true);
        Assert.Equal(IngestionStatus.Unchanged, again.Status);
        Assert.Contains(outcome.VersionId!, again.Reason, StringComparison.Ordinal);
        var after = (await log.GetAsync(sharded.Source, name, etag.ToString()))!;
        Assert.Equal((nameof(IngestionStatus.Published), outcome.VersionId, outcome.Attempts), (after.Status, after.VersionId, after.Attempts));
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task JsonlCutByProbes_ShardsTakenLastFirst_CountEarlierLines_ADeadCountClaimTakenOver_SameVersionAsWhole()
    {
        var (_, whole, wholeResult, sharded, name, etag) = await WholeThenShardedAsync("jsonl");
        var staging = sharded.Storage.Container(StorageNames.DatasetsContainer);
        var folder = PartStaging.ForDrop(sharded.Storage, "raw", name, etag.ToString()).Folder + "shards/";
        var plan = (await staging.GetBlobClient(folder + "plan.json").ReadAsync<ShardedDrop>())!;
        Assert.InRange(plan.Count, 3, 8);
        Assert.Equal(0, plan.Ranges[0].LinesBefore);
        Assert.All(plan.Ranges.Skip(1), r => Assert.Equal(ShardPlanner.LinesFromCounts, r.LinesBefore));

        // An instance that claimed the count of shard 0 and died.
        await staging.GetBlobClient(folder + "lines/c00000").UploadAsync(BinaryData.Empty);
        var queue = sharded.Storage.Queue(StorageNames.IngestShardsQueue);
        var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value.OrderByDescending(m => JsonSerializer.Deserialize<ShardTask>(m.Body.ToString(), JsonSerializerOptions.Web)!.Shard).ToList();
        Assert.Equal(plan.Count, messages.Count);
        var (counted, listings) = (new List<int>(), new List<int>());
        foreach (var message in messages)
        {
            var instance = sharded.Ingestor();
            instance.CountClaimTimeout = TimeSpan.FromSeconds(1);
            await RunTaskAsync(instance, queue, message, CancellationToken.None);
            counted.Add(instance.RangesCounted);
            listings.Add(instance.LineCountListings);
        }

        // The last shard, taken first, counted every range before it (shard 0's once its claim was stale); the others none.
        Assert.Equal([plan.Count - 1, .. Enumerable.Repeat(0, plan.Count - 1)], counted);
        Assert.All(listings.Take(plan.Count - 1), n => Assert.True(n > 0));
        await AssertPublishedAsWholeAsync(whole, wholeResult, sharded, (await new IngestionLog(sharded.Storage).GetAsync(sharded.Source, name, etag.ToString()))!);
    }

    [Fact]
    public async Task JsonlShardsInOrderOnOneInstance_EachStartsWhereTheOneBeforeEnded_NoCountListedOrRead_SameVersionAsWhole()
    {
        var (_, whole, wholeResult, sharded, name, etag) = await WholeThenShardedAsync("jsonl");
        var queue = sharded.Storage.Queue(StorageNames.IngestShardsQueue);
        var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value.OrderBy(m => JsonSerializer.Deserialize<ShardTask>(m.Body.ToString(), JsonSerializerOptions.Web)!.Shard).ToList();
        Assert.InRange(messages.Count, 3, 8);
        var instance = sharded.Ingestor();
        var listings = new List<int>();
        foreach (var message in messages)
        {
            listings.Add(instance.LineCountListings);
            await RunTaskAsync(instance, queue, message, CancellationToken.None);
        }

        // Shard 0 starts at line 0; each later one where the one before ended here: no listing of counts (up to the last
        // shard, whose fan-in reruns shards holding repeated ids), no range read twice.
        Assert.All(listings, n => Assert.Equal(0, n));
        Assert.Equal(0, instance.RangesCounted);
        await AssertPublishedAsWholeAsync(whole, wholeResult, sharded, (await new IngestionLog(sharded.Storage).GetAsync(sharded.Source, name, etag.ToString()))!);
    }

    [Fact]
    public async Task OneInstanceGivenTheWholeBatch_HoldsTwo_HandsTheRestBack_NextShardReadsWhileTheFirstStores_SameVersionAsWhole()
    {
        var (_, whole, wholeResult, sharded, name, etag) = await WholeThenShardedAsync("jsonl");
        var queue = sharded.Storage.Queue(StorageNames.IngestShardsQueue);
        var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
        Assert.InRange(messages.Length, 3, 8);

        // As a host hands a batch to one instance: every task at once. The two it holds stop after their records until released.
        var instance = sharded.Ingestor();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var midway = new System.Collections.Concurrent.ConcurrentBag<int>();
        instance.ShardMidway = async (task, _) =>
        {
            midway.Add(task.Shard);
            await release.Task;
        };
        var runs = messages.Select(message => Task.Run(() => instance.ProcessShardAsync(new QueueTriggerInput(queue.Name, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn), CancellationToken.None))).ToList();

        // The two held shards both reach the point after their records, so the second read its records while the first
        // (stopped there) still held its slot; every other task came back done at once, handed back to the queue.
        await Eventually.UntilAsync(() => Task.FromResult((midway.Count, instance.ShardsHandedBack, runs.Count(r => r.IsCompleted))), s => s == (2, messages.Length - 2, messages.Length - 2), "two shards past their records and the rest handed back", TimeSpan.FromMinutes(2));
        var finished = runs.Where(r => r.IsCompleted).ToList();
        Assert.Equal(messages.Length - 2, finished.Count);
        Assert.All(finished, r => Assert.False(r.Result.IsDeadLetter));
        foreach (var message in messages)
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        // Handed back after a second, each once, carrying the count; none of them a shard the instance holds.
        var handedBack = new List<ShardTask>();
        await Eventually.UntilAsync(async () =>
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
            {
                handedBack.Add(JsonSerializer.Deserialize<ShardTask>(message.Body.ToString(), JsonSerializerOptions.Web)!);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            return handedBack.Count;
        }, count => count >= messages.Length - 2, "the handed-back tasks to come back on the queue", TimeSpan.FromMinutes(1));
        Assert.Equal(messages.Length - 2, handedBack.Count);
        Assert.All(handedBack, t => Assert.Equal(1, t.HandedBack));
        Assert.Equal(Enumerable.Range(0, messages.Length), handedBack.Select(t => t.Shard).Concat(midway).Order());

        release.SetResult();
        Assert.All(await Task.WhenAll(runs), o => Assert.False(o.IsDeadLetter, o.DeadLetterReason));
        foreach (var task in handedBack)
        {
            await queue.SendMessageAsync(JsonSerializer.Serialize(task, JsonSerializerOptions.Web));
        }

        instance.ShardMidway = null;
        await AssertPublishedAsWholeAsync(whole, wholeResult, sharded, await DrainAsync(sharded, name, etag, [instance, sharded.Ingestor()]));
    }

    [Fact]
    public async Task ShardFailingEveryAttempt_FailsTheDropWithAReport_TaskPoisonedNoVersion()
    {
        var drop = Drop("jsonl");
        var sharded = await SetUpAsync();
        var (name, etag) = await sharded.UploadAsync("jsonl", drop);
        var started = await sharded.Ingestor().IngestAsync(sharded.Source, await sharded.Catalog.FindSourceAsync(sharded.Source, CancellationToken.None), "raw", name, etag, null, CancellationToken.None, mayShard: true);
        Assert.Equal(IngestionStatus.Sharded, started.Status);
        var failing = sharded.Ingestor();
        failing.ShardMidway = (task, _) => task.Shard == 1 ? throw new IOException("the disk is full (test)") : Task.CompletedTask;
        var queue = sharded.Storage.Queue(StorageNames.IngestShardsQueue);
        HandlerOutcome? poisoned = null;
        var errors = 0;
        foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
        {
            var input = new QueueTriggerInput(queue.Name, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn);
            for (var attempt = 1; attempt <= DropIngestor.ShardAttempts; attempt++)
            {
                try
                {
                    var outcome = await failing.ProcessShardAsync(input, CancellationToken.None);
                    if (outcome.IsDeadLetter)
                    {
                        poisoned = outcome;
                    }

                    break;
                }
                catch (IOException)
                {
                    errors++;
                }
            }
        }

        Assert.Equal(DropIngestor.ShardAttempts - 1, errors);
        Assert.NotNull(poisoned);
        Assert.Contains("shard 1 of", poisoned.DeadLetterReason, StringComparison.Ordinal);
        Assert.Contains("the disk is full (test)", poisoned.DeadLetterReason, StringComparison.Ordinal);
        var logged = (await new IngestionLog(sharded.Storage).GetAsync(sharded.Source, name, etag.ToString()))!;
        Assert.Equal(nameof(IngestionStatus.Failed), logged.Status);
        Assert.Null(logged.VersionId);
        var report = await sharded.Storage.Container(StorageNames.QuarantineContainer).GetBlobClient(logged.QuarantineFolder + "report.json").DownloadContentAsync();
        using var json = JsonDocument.Parse(report.Value.Content);
        Assert.Equal("Failed", json.RootElement.GetProperty("status").GetString());
        Assert.Contains("failed 5 attempts", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("shards").GetInt32() >= 3);
        Assert.Equal(1, await DatasetCountAsync(sharded.Storage, sharded.Source));
    }

    /// <summary>The drop ingested whole under one prefix, then dropped under another and planned in shards (queued, none run).</summary>
    private static async Task<(byte[] Drop, Setup Whole, IngestionResult WholeResult, Setup Sharded, string Name, ETag ETag)> WholeThenShardedAsync(string format)
    {
        var drop = Drop(format);
        var whole = await SetUpAsync();
        var (name, etag) = await whole.UploadAsync(format, drop);
        var wholeResult = await whole.Ingestor().IngestAsync(whole.Source, "raw", name, etag, CancellationToken.None);
        Assert.Equal(IngestionStatus.Published, wholeResult.Status);

        var sharded = await SetUpAsync();
        (name, etag) = await sharded.UploadAsync(format, drop);
        var started = await sharded.Ingestor().IngestAsync(sharded.Source, await sharded.Catalog.FindSourceAsync(sharded.Source, CancellationToken.None), "raw", name, etag, null, CancellationToken.None, mayShard: true);
        Assert.Equal(IngestionStatus.Sharded, started.Status);
        return (drop, whole, wholeResult, sharded, name, etag);
    }

    /// <summary>Runs one shard task on <paramref name="instance"/>, which must not dead-letter it, and deletes it from the queue.</summary>
    private static async Task RunTaskAsync(DropIngestor instance, QueueClient queue, QueueMessage message, CancellationToken cancellationToken)
    {
        var outcome = await instance.ProcessShardAsync(new QueueTriggerInput(queue.Name, message.MessageId, message.Body.ToString(), message.DequeueCount, message.InsertedOn), cancellationToken);
        Assert.False(outcome.IsDeadLetter, outcome.DeadLetterReason);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    /// <summary>The sharded drop was published as the whole drop's run published it: the same version id, records (line numbers included) and quarantine.</summary>
    private static async Task AssertPublishedAsWholeAsync(Setup whole, IngestionResult wholeResult, Setup sharded, IngestionRecord logged)
    {
        Assert.Equal(nameof(IngestionStatus.Published), logged.Status);
        Assert.Equal(wholeResult.Version!.Id, logged.VersionId);
        Assert.Equal(await RecordsAsync(whole.Storage, wholeResult.Version), await RecordsAsync(sharded.Storage, (await new DatasetStore(sharded.Storage).GetAsync(logged.VersionId!))!));
        Assert.Equal(await QuarantineAsync(whole.Storage, wholeResult.QuarantineFolder!), await QuarantineAsync(sharded.Storage, logged.QuarantineFolder!));
    }

    /// <summary>Takes shard tasks off the queue with the given instances, concurrently, until the drop's log says how it ended.</summary>
    internal static async Task<IngestionRecord> DrainAsync(Setup setup, string name, ETag etag, IReadOnlyList<DropIngestor> instances)
    {
        var queue = setup.Storage.Queue(StorageNames.IngestShardsQueue);
        var log = new IngestionLog(setup.Storage);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        async Task<IngestionRecord?> EndedAsync() =>
            await log.GetAsync(setup.Source, name, etag.ToString()) is { } r && r.Status != nameof(IngestionStatus.Sharded) ? r : null;

        await Task.WhenAll(instances.Select(instance => Task.Run(async () =>
        {
            while (await EndedAsync() is null)
            {
                deadline.Token.ThrowIfCancellationRequested();
                var messages = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(2), deadline.Token)).Value;
                foreach (var message in messages)
                {
                    await RunTaskAsync(instance, queue, message, deadline.Token);
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(50, deadline.Token);
                }
            }
        })));
        return (await EndedAsync())!;
    }

    /// <summary>A source with <c>shard_mb: 1</c> under a storage prefix of its own, with a previous version some of whose ids the drop updates.</summary>
    internal static async Task<Setup> SetUpAsync()
    {
        var prefix = TestNames.Prefix();
        var storage = await SharedAzurite.AccountAsync(prefix);
        var source = "tickets";
        var yaml = new LifecycleBuilder("support")
            .Source(source, idField: "id", fields: [LifecycleBuilder.Id, "priority: { type: integer }", LifecycleBuilder.Body], options: "shard_mb: 1")
            .Section("""
                quality:
                  max_quarantine_rate: 0.5
                  rules:
                    - { rule: not_null, field: body }
                    - { rule: unique, field: id }
                """)
            .Section("""
                preprocessing:
                  version: v1
                  chunking: { max_tokens: 64, overlap: 8 }
                """)
            .Build();
        var catalog = new LifecycleCatalog(storage, new LlmOps.Governance.ChangeControl(storage, TimeProvider.System), new LlmOps.Lineage.LineageStore(storage, TimeProvider.System));
        await catalog.PublishAsync(yaml, "support.yaml", CancellationToken.None);
        var setup = new Setup(storage, prefix, source, catalog);
        var previous = string.Concat(Enumerable.Range(0, 200).Append(8000).Select(i => JsonSerializer.Serialize(new { id = $"T-{i}", priority = 1, body = $"an earlier text of ticket {i} about invoices" }) + "\n"));
        var (name, etag) = await setup.UploadAsync("previous", Encoding.UTF8.GetBytes(previous));
        Assert.Equal(IngestionStatus.Published, (await setup.Ingestor().IngestAsync(source, "raw", name, etag, CancellationToken.None)).Status);
        return setup;
    }

    internal sealed record Setup(StorageAccount Storage, string Prefix, string Source, LifecycleCatalog Catalog)
    {
        public DropIngestor Ingestor() => new(Storage, Catalog, new LlmOps.Lineage.LineageStore(Storage, TimeProvider.System), new LlmOps.Governance.ChangeControl(Storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance);

        public async Task<(string Name, ETag ETag)> UploadAsync(string format, byte[] content)
        {
            var name = $"{Source}/drop-{Guid.NewGuid():N}.{(format == "previous" ? "jsonl" : format)}";
            var uploaded = await Storage.Container(StorageNames.RawContainer).GetBlobClient(name).UploadAsync(new BinaryData(content), overwrite: true);
            return (name, uploaded.Value.ETag);
        }
    }

    /// <summary>
    /// The drop: 12,000 tickets of 30 to 60 words (every seventh with a quoted line break, comma and quotes; every fiftieth
    /// with an email), with cross-shard cases at fixed rows: 8000 repeats 11's text (which has an email) and 8001 repeats it again
    /// (20 too, in 11's shard); 9000 repeats id T-100 and 7000 id T-10, whose text 7005 repeats; 102 repeats T-101 in its shard; a
    /// blank text every 1009 rows and (CSV, JSONL) a priority that is not a number every 997.
    /// </summary>
    internal static byte[] Drop(string format)
    {
        var random = new Random(35);
        var words = Enumerable.Range(0, 3000).Select(i => new string(Enumerable.Range(0, 3 + (i % 7)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        var rows = new List<(string Id, object Priority, string Body)>();
        for (var i = 0; i < RecordsCount; i++)
        {
            var body = string.Join(' ', Enumerable.Range(0, 30 + random.Next(31)).Select(_ => words[random.Next(words.Length)]));
            if (i % 7 == 3)
            {
                body += "\nsecond line, with \"quoted\" words";
            }

            if (i % 50 == 11)
            {
                body += $" write to user{i}@example.com";
            }

            rows.Add(($"T-{i}", i % 997 == 5 && format != "parquet" ? "high" : (object)(i % 3), i % 1009 == 7 ? "   " : body));
        }

        rows[8000] = rows[8000] with { Body = rows[11].Body };
        rows[8001] = rows[8001] with { Body = rows[11].Body };
        rows[20] = rows[20] with { Body = rows[11].Body };
        rows[9000] = rows[9000] with { Id = "T-100" };
        rows[7000] = rows[7000] with { Id = "T-10", Body = "a text first seen on a row whose id repeats an earlier one" };
        rows[7005] = rows[7005] with { Body = "a text first seen on a row whose id repeats an earlier one" };
        rows[102] = rows[102] with { Id = "T-101" };
        switch (format)
        {
            case "jsonl":
                return Encoding.UTF8.GetBytes(string.Concat(rows.Select(r => JsonSerializer.Serialize(new { id = r.Id, priority = r.Priority, body = r.Body }) + "\n")));
            case "csv":
                return Encoding.UTF8.GetBytes("id,priority,body\n" + string.Concat(rows.Select(r => $"{r.Id},{r.Priority},\"{r.Body.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n")));
            default:
                using (var file = new MemoryStream())
                {
                    var tickets = rows.Select(r => new ParquetTicket { Id = r.Id, Priority = (int)r.Priority, Body = r.Body }).ToList();
                    Parquet.Serialization.ParquetSerializer.SerializeAsync(tickets, file, new Parquet.ParquetOptions { RowGroupSize = 1500 }).GetAwaiter().GetResult();
                    return file.ToArray();
                }
        }
    }

    private sealed class ParquetTicket
    {
        public string Id { get; set; } = "";

        public int Priority { get; set; }

        public string Body { get; set; } = "";
    }

    /// <summary>The line (1-based) where row <paramref name="row"/> of a CSV or JSONL drop starts.</summary>
    private static int LineOf(byte[] drop, int row)
    {
        var csv = drop.AsSpan(0, 2).SequenceEqual("id"u8);
        var (line, records, inQuotes) = (1, csv ? -1 : 0, false);
        for (var i = 0; i < drop.Length && records < row; i++)
        {
            if (drop[i] == (byte)'"' && csv)
            {
                inQuotes = !inQuotes;
            }
            else if (drop[i] == (byte)'\n')
            {
                line++;
                records += inQuotes ? 0 : 1;
            }
        }

        return line;
    }

    private static bool InsideQuotes(byte[] bytes, int at) => bytes.AsSpan(0, at).Count((byte)'"') % 2 == 1;

    internal static async Task<List<string>> RecordsAsync(StorageAccount storage, DatasetManifest manifest)
    {
        var records = new List<string>();
        await foreach (var record in new DatasetStore(storage).ReadRecordsAsync(manifest))
        {
            records.Add(JsonSerializer.Serialize(record, JsonSerializerOptions.Web));
        }

        return records;
    }

    internal static async Task<List<string>> QuarantineAsync(StorageAccount storage, string folder)
    {
        var blob = storage.Container(StorageNames.QuarantineContainer).GetBlobClient(folder + QuarantineWriter.RejectedFile);
        await using var gzip = new GZipStream(await blob.OpenReadAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return [.. (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static async Task<int> DatasetCountAsync(StorageAccount storage, string source)
    {
        var count = 0;
        await foreach (var _ in storage.Container(StorageNames.DatasetsContainer).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = source + "/" }))
        {
            count += _.Name.EndsWith("/manifest.json", StringComparison.Ordinal) ? 1 : 0;
        }

        return count;
    }
}
