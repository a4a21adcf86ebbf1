using System.Diagnostics;
using Azure.Data.Tables;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.LocalHost;

public sealed class HostProcessRestartTests
{
    [Fact]
    public async Task HostKilledMidRun_Restarted_NoBlobLostNoneProcessedTwice()
    {
        var azurite = await SharedAzurite.GetAsync();
        var storage = new StorageAccount(azurite.ConnectionString);
        var container = TestNames.Container("restart");
        var table = TestNames.Table("journal");
        var hostJson = Path.Combine(Path.GetTempPath(), $"{table}-host.json");
        // One blob at a time: when the hanging handler has started, every earlier blob has its receipt.
        await File.WriteAllTextAsync(hostJson, """{ "version": "2.0", "extensions": { "blobs": { "maxDegreeOfParallelism": 1 } } }""");
        var blobs = storage.Container(container);
        await blobs.CreateIfNotExistsAsync();
        var names = Enumerable.Range(0, 20).Select(i => i == 10 ? "10-hang.jsonl" : $"{i:00}-drop.jsonl").ToList();
        foreach (var name in names)
        {
            await blobs.UploadBlobAsync(name, BinaryData.FromString(name));
        }

        var journal = new TableClient(azurite.ConnectionString, table);
        using (var first = StartHost(azurite.ConnectionString, container, table, hostJson))
        {
            await Eventually.UntilAsync(() => CountAsync(journal, "10-hang.jsonl", "start-"), n => n == 1, "the hanging handler to start", TimeSpan.FromSeconds(90));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        var doneBeforeKill = 0;
        foreach (var name in names)
        {
            doneBeforeKill += await CountAsync(journal, name, "done-");
        }

        Assert.Equal(10, doneBeforeKill);
        using var second = StartHost(azurite.ConnectionString, container, table, hostJson);
        try
        {
            // The killed run's receipt lease must expire (15 s) before the restarted host may run that blob.
            await Eventually.UntilAsync(() => CountAsync(journal, "10-hang.jsonl", "done-"), n => n == 1, "the interrupted blob to finish after restart", TimeSpan.FromSeconds(90));
            foreach (var name in names)
            {
                var done = await Eventually.UntilAsync(() => CountAsync(journal, name, "done-"), n => n >= 1, $"{name} to be done");
                Assert.Equal(1, done);
            }

            Assert.Equal(2, await CountAsync(journal, "10-hang.jsonl", "start-"));
            Assert.False(second.HasExited, "the restarted host keeps running");
        }
        finally
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
            File.Delete(hostJson);
        }
    }

    [Fact]
    public async Task HandlerKillsItsProcess_AttemptsCountedAtClaim_PoisonedAfterThreshold_NotRetriedForever()
    {
        var azurite = await SharedAzurite.GetAsync();
        var storage = new StorageAccount(azurite.ConnectionString);
        var container = TestNames.Container("crash");
        var table = TestNames.Table("journal");
        var hostJson = Path.Combine(Path.GetTempPath(), $"{table}-host.json");
        await File.WriteAllTextAsync(hostJson, """{ "version": "2.0", "extensions": { "blobs": { "maxDegreeOfParallelism": 1, "poisonBlobThreshold": 2 } } }""");
        var blobs = storage.Container(container);
        await blobs.CreateIfNotExistsAsync();
        await blobs.UploadBlobAsync("crash.jsonl", BinaryData.FromString("{}"));
        var journal = new TableClient(azurite.ConnectionString, table);
        var poison = storage.Queue(StorageNames.BlobPoisonQueue);
        async Task<bool> PoisonedAsync() => await poison.ExistsAsync() && (await poison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString().Contains(container, StringComparison.Ordinal));

        try
        {
            for (var host = 0; host < 4 && !await PoisonedAsync(); host++)
            {
                using var process = StartHost(azurite.ConnectionString, container, table, hostJson);
                try
                {
                    // Each host either dies in the handler or, once the attempts are used up, poisons the blob and lives on.
                    await Eventually.UntilAsync(async () => process.HasExited || await PoisonedAsync(), done => done, "the host to die in the handler or poison the blob", TimeSpan.FromSeconds(90));
                }
                finally
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }

            Assert.True(await PoisonedAsync(), "the blob ends on blob-poison");
            Assert.Equal(2, await CountAsync(journal, "crash.jsonl", "start-"));
            var message = (await poison.PeekMessagesAsync(32)).Value.First(m => m.Body.ToString().Contains(container, StringComparison.Ordinal)).Body.ToString();
            Assert.Contains("\"attempts\":2", message, StringComparison.Ordinal);
            Assert.Contains("did not finish", message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(hostJson);
        }
    }

    private static Process StartHost(string connectionString, string container, string table, string hostJson)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "LlmOps.Tests.HostProcess.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { dll, connectionString, container, table, hostJson })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The host process did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<int> CountAsync(TableClient journal, string blobName, string kind)
    {
        var count = 0;
        try
        {
            var partition = TableKey.Literal(TableKey.Encode(blobName));
            var upper = TableKey.Literal(kind[..^1] + ".");
            await foreach (var _ in journal.QueryAsync<TableEntity>($"PartitionKey eq {partition} and RowKey ge {TableKey.Literal(kind)} and RowKey lt {upper}"))
            {
                count++;
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }

        return count;
    }
}
