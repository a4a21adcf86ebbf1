using System.Collections.Concurrent;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using LlmOps.Development;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Tests.LocalHost;

public sealed class BlobWriteNoticesTests
{
    private const string Prefix = "127.0.0.1 - - [02/Dec/2026:04:49:15 +0000] ";

    [Theory]
    [InlineData("\"PUT /devstoreaccount1/drops/tickets/a.jsonl HTTP/1.1\" 201 -", "drops", "tickets/a.jsonl")] // Put Blob
    [InlineData("\"PUT /devstoreaccount1/drops/big.bin?comp=blocklist HTTP/1.1\" 201 -", "drops", "big.bin")] // Put Block List
    [InlineData("\"PUT /devstoreaccount1/drops/copy.bin HTTP/1.1\" 202 -", "drops", "copy.bin")] // Copy Blob
    [InlineData("\"PUT /devstoreaccount1/drops/tickets/drop%2001%20%C3%A9t%C3%A9.jsonl?timeout=30 HTTP/1.1\" 201 -", "drops", "tickets/drop 01 été.jsonl")]
    public void AccessLogLine_OfABlobWrite_GivesContainerAndName(string request, string container, string blob)
    {
        Assert.True(AzuriteServer.TryParseBlobWrite(Prefix + request, out var parsedContainer, out var parsedBlob));
        Assert.Equal(container, parsedContainer);
        Assert.Equal(blob, parsedBlob);
    }

    [Theory]
    [InlineData("\"PUT /devstoreaccount1/drops/big.bin?comp=block&blockid=AAAA HTTP/1.1\" 201 -")] // a staged block: not yet a blob
    [InlineData("\"PUT /devstoreaccount1/drops?restype=container HTTP/1.1\" 201 -")] // a container
    [InlineData("\"PUT /devstoreaccount1/drops/a.jsonl?comp=snapshot HTTP/1.1\" 201 -")]
    [InlineData("\"PUT /devstoreaccount1/drops/a.jsonl?comp=lease HTTP/1.1\" 201 -")]
    [InlineData("\"PUT /devstoreaccount1/drops/a.jsonl?comp=metadata HTTP/1.1\" 200 -")]
    [InlineData("\"PUT /devstoreaccount1/drops/a.jsonl HTTP/1.1\" 412 -")] // a condition failed: nothing written
    [InlineData("\"GET /devstoreaccount1/drops/a.jsonl HTTP/1.1\" 200 1024")]
    [InlineData("\"PUT /devstoreaccount1/myqueue HTTP/1.1\" 201 -")] // a queue created (one segment)
    [InlineData("\"PUT /devstoreaccount1/drops/ HTTP/1.1\" 201 -")]
    [InlineData("\"PUT /otheraccount/drops/a.jsonl HTTP/1.1\" 201 -")]
    [InlineData("Azurite Blob service is successfully listening at http://127.0.0.1:10000")]
    public void OtherLines_AreNoBlobWrite(string rest)
    {
        var line = rest.StartsWith('"') ? Prefix + rest : rest;
        Assert.False(AzuriteServer.TryParseBlobWrite(line, out _, out _));
    }

    [Fact]
    public async Task Azurite_ReportsWritesOfAnyClient_PutBlobAndBlockList_NotStagedBlocksOrMetadata()
    {
        var azurite = await SharedAzurite.GetAsync();
        var storage = await SharedAzurite.AccountAsync();
        var container = storage.Container(TestNames.Container("notices"));
        await container.CreateIfNotExistsAsync();
        var seen = new ConcurrentQueue<string>();
        using (azurite.WatchBlobWrites((c, b) =>
        {
            if (c == container.Name)
            {
                seen.Enqueue(b);
            }
        }))
        {
            await container.UploadBlobAsync("one blob é.jsonl", BinaryData.FromString("{}"));
            var blocks = container.GetBlockBlobClient("staged/blocks.bin");
            var id = Convert.ToBase64String("block-0"u8.ToArray());
            await blocks.StageBlockAsync(id, new MemoryStream(new byte[1024]));
            await container.GetBlobClient("one blob é.jsonl").SetMetadataAsync(new Dictionary<string, string> { ["k"] = "v" });
            await blocks.CommitBlockListAsync([id]);
            await container.GetBlobClient("last.jsonl").UploadAsync(BinaryData.FromString("{}"), new BlobUploadOptions());

            await Eventually.UntilAsync(() => seen.Contains("last.jsonl"), "the last write reported");
        }

        Assert.Equal(["one blob é.jsonl", "staged/blocks.bin", "last.jsonl"], seen.ToArray());
    }

    [Fact]
    public async Task NoticedBlob_RunsWithoutWaitingForTheSweep()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("noticed");
        var function = TestNames.Function("Noticed");
        var handler = new RecordingBlobHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<RecordingBlobHandler>(function, container + "/in/{name}")]);
        var blobs = storage.Container(container);
        await blobs.CreateIfNotExistsAsync();
        await blobs.UploadBlobAsync("in/before.jsonl", BinaryData.FromString("{}"));
        // One sweep at start, then none for an hour: only a notice can bring the blob written after it to the handler.
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler), new Dictionary<string, string?> { ["LlmOps:Host:BlobPollInterval"] = "01:00:00" });
        await Eventually.UntilAsync(() => handler.Runs.ContainsKey("in/before.jsonl"), "the first sweep to run the blob already there");

        await blobs.UploadBlobAsync("in/after.jsonl", BinaryData.FromString("{}"));
        await blobs.UploadBlobAsync("out/other.jsonl", BinaryData.FromString("{}"));
        await Eventually.UntilAsync(() => handler.Runs.ContainsKey("in/after.jsonl"), "the blob written after the sweep to run");
        await blobs.GetBlobClient("in/after.jsonl").UploadAsync(BinaryData.FromString("{\"v\":2}"), overwrite: true);

        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.BlobSucceeded, function) == 3, "the noticed blob's two versions to run and settle");
        Assert.Equal(2, handler.Runs["in/after.jsonl"]);
        Assert.Equal(1, handler.Runs["in/before.jsonl"]);
        Assert.False(handler.Runs.ContainsKey("out/other.jsonl"), "a name the path does not match is not run");
    }

    [Fact]
    public void Notices_GoToTheWatchersOfTheirContainer_UntilDisposed_FullWatcherCountsDrops()
    {
        var notices = new BlobWriteNotices();
        notices.Publish("nobody", "a"); // no watcher: nothing kept
        using var drops = notices.Subscribe("drops");
        var other = notices.Subscribe("other");
        notices.Publish("drops", "a");
        notices.Publish("other", "b");
        Assert.True(drops.Names.TryRead(out var name));
        Assert.Equal("a", name);
        Assert.False(drops.Names.TryRead(out _));
        other.Dispose();
        notices.Publish("other", "c");
        Assert.True(other.Names.TryRead(out name));
        Assert.Equal("b", name);
        Assert.False(other.Names.TryRead(out _));

        for (var i = 0; i < BlobWriteNotices.Capacity + 3; i++)
        {
            notices.Publish("drops", $"n{i}");
        }

        Assert.Equal(3, notices.Dropped);
    }
}
