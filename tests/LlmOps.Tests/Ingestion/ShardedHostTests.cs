using System.Diagnostics;
using Azure.Data.Tables;
using LlmOps.Datasets;
using LlmOps.Ingestion;
using LlmOps.Ingestion.Sharding;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Ingestion;

/// <summary>
/// Three local host processes share a drop's shards through the queue; the one that takes shard 2 first is killed
/// (SIGKILL) in the middle of it, after its records are stored and before its receipt. Another process takes the shard
/// over once the claim runs out (and any other shard the killed one had in flight), every shard has exactly one
/// receipt, and the version, records and quarantine are those of the same drop ingested whole.
/// </summary>
public sealed class ShardedHostTests
{
    [Fact]
    public async Task ThreeHostProcesses_OneKilledMidShard_ShardTakenOver_SameVersionAsWhole_EachShardDoneOnce()
    {
        var drop = ShardedIngestionTests.Drop("jsonl");
        var whole = await ShardedIngestionTests.SetUpAsync();
        var (wholeName, wholeETag) = await whole.UploadAsync("jsonl", drop);
        var wholeResult = await whole.Ingestor().IngestAsync(whole.Source, StorageNames.RawContainer, wholeName, wholeETag, CancellationToken.None);

        var sharded = await ShardedIngestionTests.SetUpAsync();
        var azurite = await SharedAzurite.GetAsync();
        var journalTable = TestNames.Table("hang");
        var journal = new TableClient(azurite.ConnectionString, journalTable);
        var hostJson = Path.Combine(Path.GetTempPath(), $"{journalTable}-host.json");
        // Two tasks per process at a time and a short poll: the shards spread over the three processes.
        await File.WriteAllTextAsync(hostJson, """{ "version": "2.0", "extensions": { "queues": { "batchSize": 2, "maxPollingInterval": "00:00:00.500" } } }""");
        var hosts = Enumerable.Range(0, 3).Select(_ => StartHost(azurite.ConnectionString, sharded.Prefix, journalTable, hostJson)).ToList();
        try
        {
            // Every process listens before the drop lands, so the shards spread over the three.
            await Eventually.UntilAsync(
                () => Task.FromResult(hosts.All(h => Output.Any(line => line.StartsWith($"{h.Id}: ", StringComparison.Ordinal) && line.Contains("Queue trigger IngestShard listens", StringComparison.Ordinal)))),
                ready => ready, "the three hosts to listen on ingest-shards", TimeSpan.FromMinutes(2));
            var (name, etag) = await sharded.UploadAsync("jsonl", drop);
            var hung = await Eventually.UntilAsync(
                () => FirstAsync(journal), h => h is not null, "a host to hang in shard 2", TimeSpan.FromMinutes(2));
            var killed = hosts.Single(h => h.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == hung!.RowKey);
            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync();

            var log = new IngestionLog(sharded.Storage);
            var outcome = (await Eventually.UntilAsync(
                () => log.GetAsync(sharded.Source, name, etag.ToString()), r => r is not null && r.Status != nameof(IngestionStatus.Sharded), "the sharded drop to be committed", TimeSpan.FromMinutes(3)))!;
            Assert.Equal(nameof(IngestionStatus.Published), outcome.Status);
            Assert.Equal(wholeResult.Version!.Id, outcome.VersionId);
            var manifest = (await new DatasetStore(sharded.Storage).GetAsync(outcome.VersionId!))!;
            Assert.Equal(await ShardedIngestionTests.RecordsAsync(whole.Storage, wholeResult.Version), await ShardedIngestionTests.RecordsAsync(sharded.Storage, manifest));
            Assert.Equal(await ShardedIngestionTests.QuarantineAsync(whole.Storage, wholeResult.QuarantineFolder!), await ShardedIngestionTests.QuarantineAsync(sharded.Storage, outcome.QuarantineFolder!));

            var folder = PartStaging.ForDrop(sharded.Storage, StorageNames.RawContainer, name, etag.ToString()).Folder + "shards/";
            var staging = sharded.Storage.Container(StorageNames.DatasetsContainer);
            var plan = (await staging.GetBlobClient(folder + "plan.json").ReadAsync<ShardedDrop>())!;
            Assert.True(plan.Count >= 4, $"{plan.Count} shards");
            var receipts = new List<ShardReceipt>();
            for (var shard = 0; shard < plan.Count; shard++)
            {
                receipts.Add((await staging.GetBlobClient($"{folder}receipts/{shard:00000}.json").ReadAsync<ShardReceipt>())!);
            }

            // Shard 2: the killed process's attempt counted, the second attempt finished elsewhere. Another shard the killed
            // process had in flight (it takes two tasks at a time) was taken over the same way; none ran a third time.
            Assert.Equal(2, receipts[2].Attempt);
            Assert.All(receipts, r => Assert.InRange(r.Attempt, 1, 2));
            Assert.All(receipts.Where(r => r.Attempt == 2), r => Assert.DoesNotContain($"/{killed.Id}", r.Host, StringComparison.Ordinal));
            Assert.True(receipts.Select(r => r.Host).Distinct().Count() >= 2, string.Join(", ", receipts.Select(r => r.Host)));
            Assert.Equal(1, await CountAsync(journal));
            Assert.Equal(ShardedIngestionTests.RecordsCount, receipts.Sum(r => r.Counts.Read));
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\nThe hosts' last output:\n{string.Join("\n", Output.TakeLast(80))}", ex);
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.Kill(entireProcessTree: true);
                await host.WaitForExitAsync();
                host.Dispose();
            }

            File.Delete(hostJson);
            await journal.DeleteAsync();
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Output = new();

    private static async Task<TableEntity?> FirstAsync(TableClient journal)
    {
        try
        {
            await foreach (var entity in journal.QueryAsync<TableEntity>(e => e.PartitionKey == "hang"))
            {
                return entity;
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // The hanging process has not created the journal yet.
        }

        return null;
    }

    private static async Task<int> CountAsync(TableClient journal)
    {
        var count = 0;
        await foreach (var _ in journal.QueryAsync<TableEntity>(e => e.PartitionKey == "hang"))
        {
            count++;
        }

        return count;
    }

    private static Process StartHost(string connectionString, string prefix, string journalTable, string hostJson)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "LlmOps.Tests.HostProcess.dll"), "ingest", connectionString, prefix, journalTable, "2", hostJson })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The host process did not start.");
        process.OutputDataReceived += (_, e) => Output.Enqueue($"{process.Id}: {e.Data}");
        process.ErrorDataReceived += (_, e) => Output.Enqueue($"{process.Id}! {e.Data}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
