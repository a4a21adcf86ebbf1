using System.Text.Json;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Tests.LocalHost;

public sealed class BlobTriggerTests
{
    [Fact]
    public async Task FiftyDrops_TwoHostInstances_EachProcessedExactlyOnce()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("drops");
        var handler = new RecordingBlobHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<RecordingBlobHandler>(TestNames.Function("Count"), container + "/{source}/{name}")]);
        await using var first = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));
        await using var second = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));

        var blobs = storage.Container(container);
        await blobs.CreateIfNotExistsAsync();
        var names = Enumerable.Range(0, 50).Select(i => $"tickets/drop {i:00}.jsonl").ToList();
        await Parallel.ForEachAsync(names, async (name, ct) => await blobs.UploadBlobAsync(name, BinaryData.FromString($"{{\"id\":\"{name}\"}}"), ct));

        await Eventually.UntilAsync(() => handler.Runs.Count == 50 && handler.Runs.Values.Sum() >= 50, "50 blobs handled");
        await Eventually.UntilAsync(
            () => first.Diagnostics.Get(HostDiagnostics.BlobSucceeded, catalog.Functions[0].Name) + second.Diagnostics.Get(HostDiagnostics.BlobSucceeded, catalog.Functions[0].Name) == 50,
            "both hosts to record 50 completions");

        Assert.Equal(names.Order(), handler.Runs.Keys.Order());
        Assert.All(handler.Runs, run => Assert.Equal(1, run.Value));
        Assert.All(handler.Inputs, input => Assert.Equal("tickets", input.Bindings["source"]));
    }

    [Fact]
    public async Task MaxDegreeOfParallelism_BoundsHandlersRunningAtOnce_ReceiptsWrittenAfterTheSlotFrees()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("dop");
        var function = TestNames.Function("Dop");
        await storage.Container(container).CreateIfNotExistsAsync();
        var hostJson = Path.Combine(Directory.CreateTempSubdirectory("llmops-dop-").FullName, "host.json");
        await File.WriteAllTextAsync(hostJson, """{ "version": "2.0", "extensions": { "blobs": { "maxDegreeOfParallelism": 2 } } }""");
        var handler = new ConcurrencyTrackingBlobHandler();
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => storage.Container(container).UploadBlobAsync($"b-{i:00}.bin", BinaryData.FromString("x"))));
        await using var host = await TestHosts.StartAsync(
            new FunctionCatalog([FunctionDefinition.Blob<ConcurrencyTrackingBlobHandler>(function, container + "/{name}")]),
            s => s.AddSingleton(handler),
            new Dictionary<string, string?> { ["LlmOps:Host:HostJsonPath"] = hostJson });

        await Eventually.UntilAsync(() => handler.Runs.Count == 24, "all 24 blobs to run");
        Assert.InRange(handler.MostAtOnce, 1, 2);
        Assert.All(handler.Runs.Values, runs => Assert.Equal(1, runs));
        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.BlobSucceeded, function) == 24, "every receipt to be marked completed");
    }

    [Fact]
    public async Task Overwrite_NewETag_ProcessedAgainOnce()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("versions");
        var handler = new RecordingBlobHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<RecordingBlobHandler>(TestNames.Function("Versions"), container + "/{name}")]);
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));
        var blob = storage.Container(container).GetBlobClient("a.txt");
        await storage.Container(container).CreateIfNotExistsAsync();

        await blob.UploadAsync(BinaryData.FromString("one"), overwrite: true);
        await Eventually.UntilAsync(() => handler.Runs.GetValueOrDefault("a.txt") == 1, "first version handled");
        await blob.UploadAsync(BinaryData.FromString("two"), overwrite: true);
        await Eventually.UntilAsync(() => handler.Runs.GetValueOrDefault("a.txt") == 2, "second version handled");

        Assert.Equal(2, handler.Inputs.Select(i => i.ETag).Distinct().Count());
    }

    [Fact]
    public async Task HandlerAlwaysThrows_BlobEndsOnBlobPoisonAfterFiveAttempts_BlobStays()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var container = TestNames.Container("poison");
        var handler = new ThrowingBlobHandler();
        var function = TestNames.Function("Throws");
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<ThrowingBlobHandler>(function, container + "/{name}")]);
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler), prefix: storage.Prefix);
        await storage.Container(container).CreateIfNotExistsAsync();
        await storage.Container(container).UploadBlobAsync("bad file.csv", BinaryData.FromString("x"));

        var poisonQueue = storage.Queue(StorageNames.BlobPoisonQueue);
        var poison = await Eventually.UntilAsync(
            async () => (await poisonQueue.ExistsAsync() ? (await poisonQueue.PeekMessagesAsync(32)).Value : [])
                .Select(m => JsonSerializer.Deserialize<BlobPoisonMessage>(m.Body.ToString(), JsonSerializerOptions.Web)!)
                .FirstOrDefault(m => m.ContainerName == container),
            m => m is not null,
            "a blob-poison message for the container");

        Assert.Equal(5, handler.Attempts["bad file.csv"]);
        Assert.Equal(function, poison!.FunctionName);
        Assert.Equal("bad file.csv", poison.BlobName);
        Assert.Equal(5, poison.Attempts);
        Assert.Contains(ThrowingBlobHandler.Message, poison.Error, StringComparison.Ordinal);
        Assert.True(await storage.Container(container).GetBlobClient("bad file.csv").ExistsAsync());

        // Poisoned is final: while a later blob goes through its five attempts, the first is not run again.
        await storage.Container(container).UploadBlobAsync("marker.csv", BinaryData.FromString("y"));
        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.BlobPoisoned, function) == 2, "the marker blob to be poisoned too");
        Assert.Equal(5, handler.Attempts["marker.csv"]);
        Assert.Equal(5, handler.Attempts["bad file.csv"]);
    }

    [Fact]
    public async Task PermanentFailure_OutcomeOrPermanentError_PoisonedAfterOneAttempt()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var container = TestNames.Container("deadletter");
        var handler = new DeadLetteringBlobHandler();
        var function = TestNames.Function("BlobDeadLetter");
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<DeadLetteringBlobHandler>(function, container + "/{name}")]);
        await storage.Container(container).CreateIfNotExistsAsync();
        await storage.Container(container).UploadBlobAsync("outcome.csv", BinaryData.FromString("x"));
        await storage.Container(container).UploadBlobAsync("thrown.csv", BinaryData.FromString("y"));
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler), prefix: storage.Prefix);

        var poisonQueue = storage.Queue(StorageNames.BlobPoisonQueue);
        var poison = await Eventually.UntilAsync(
            async () => (await poisonQueue.ExistsAsync() ? (await poisonQueue.PeekMessagesAsync(32)).Value : [])
                .Select(m => JsonSerializer.Deserialize<BlobPoisonMessage>(m.Body.ToString(), JsonSerializerOptions.Web)!)
                .Where(m => m.ContainerName == container)
                .ToList(),
            m => m.Count == 2,
            "two blob-poison messages for the container");

        Assert.All(poison, p => Assert.Equal(1, p.Attempts));
        Assert.Contains("not a drop", poison.Single(p => p.BlobName == "outcome.csv").Error, StringComparison.Ordinal);
        Assert.Contains("malformed on purpose", poison.Single(p => p.BlobName == "thrown.csv").Error, StringComparison.Ordinal);
        Assert.Equal(1, handler.Attempts["outcome.csv"]);
        Assert.Equal(1, handler.Attempts["thrown.csv"]);
        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.BlobPoisoned, function) == 2, "both poisonings recorded");
        Assert.Equal(1, handler.Attempts["outcome.csv"]);
    }

    [Fact]
    public async Task SettledHistory_BehindTheWatermark_NotCheckedAgainAfterRestart_NewBlobStillRuns_OnePagePerPoll()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("history");
        var function = TestNames.Function("History");
        var handler = new RecordingBlobHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<RecordingBlobHandler>(function, container + "/{name}")]);
        // Pages of 4: each poll lists one page, so the sweeps span several polls. No write notices: the sweep alone finds the new blob.
        var skew = new Dictionary<string, string?> { ["LlmOps:Host:BlobScanClockSkew"] = "00:00:01", ["LlmOps:Host:BlobScanPageSize"] = "4" };
        var blobs = storage.Container(container);
        await blobs.CreateIfNotExistsAsync();
        var names = Enumerable.Range(0, 20).Select(i => $"old-{i:00}.jsonl").ToList();
        foreach (var name in names)
        {
            await blobs.UploadBlobAsync(name, BinaryData.FromString(name));
        }

        var newest = (await blobs.GetBlobsAsync().ToListAsync()).Max(b => b.Properties.LastModified!.Value);
        var watermark = storage.Container(StorageNames.HostContainer).GetBlobClient(BlobTriggerListener.WatermarkBlobName(function, container));
        await using (var first = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler), skew, blobWriteNotices: false))
        {
            await Eventually.UntilAsync(() => handler.Runs.Count == 20, "the 20 blobs handled");
            // The stored watermark passes the history once every blob is settled and the clock moved on.
            await Eventually.UntilAsync(
                async () => await watermark.ExistsAsync() ? JsonDocument.Parse((await watermark.DownloadContentAsync()).Value.Content.ToString()).RootElement.GetProperty("settledBefore").GetDateTimeOffset() : DateTimeOffset.MinValue,
                settledBefore => settledBefore > newest,
                "the stored watermark to pass the newest old blob");
        }

        // Forget every receipt: a host that still checked its history would run the 20 blobs again.
        var receipts = storage.Table(StorageNames.BlobReceiptsTable);
        var forgotten = 0;
        await foreach (var receipt in receipts.QueryAsync<BlobReceiptRow>(r => r.PartitionKey == BlobReceiptStore.PartitionOf(function, container)))
        {
            await receipts.DeleteEntityAsync(receipt);
            forgotten++;
        }

        Assert.Equal(20, forgotten);

        await using (var second = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler), skew, blobWriteNotices: false))
        {
            await blobs.UploadBlobAsync("new.jsonl", BinaryData.FromString("new"));
            await Eventually.UntilAsync(() => handler.Runs.ContainsKey("new.jsonl"), "the new blob handled");
            await Eventually.UntilAsync(() => second.Diagnostics.Get(HostDiagnostics.BlobSucceeded, function) == 1, "the second host to settle the new blob");
        }

        Assert.All(names, name => Assert.Equal(1, handler.Runs[name]));
        Assert.Equal(1, handler.Runs["new.jsonl"]);
    }

    [Fact]
    public async Task BlobNames_WithSpacesUnicodeAndDotDot_HandledWithTheirNames()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("names");
        var handler = new RecordingBlobHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Blob<RecordingBlobHandler>(TestNames.Function("Names"), container + "/{source}/{name}")]);
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));
        await storage.Container(container).CreateIfNotExistsAsync();
        string[] names = ["support/with space.jsonl", "support/ünïcødé-日本.csv", "support/a..b.txt"];
        foreach (var name in names)
        {
            await storage.Container(container).UploadBlobAsync(name, BinaryData.FromString("x"));
        }

        await Eventually.UntilAsync(() => handler.Runs.Count == names.Length, "every odd name handled");
        Assert.Equal(names.Order(StringComparer.Ordinal), handler.Runs.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(5, 200, false, 200)] // a small container answers fast: the poll interval rules
    [InlineData(200, 200, false, 200)]
    [InlineData(1400, 200, false, 1400)] // a listing that took longer than the interval: wait as long, so listing takes at most half the service
    [InlineData(300, 1000, false, 1000)]
    [InlineData(5, 200, true, 200)] // with notices the sweep is the backstop: listing takes at most a tenth of the service
    [InlineData(1400, 200, true, 12600)]
    [InlineData(100, 1000, true, 1000)]
    public void PollDelay_IsTheIntervalOrTheLastListingPacedWhicheverIsLonger(int listingMs, int intervalMs, bool backstop, int expectedMs) =>
        Assert.Equal(
            TimeSpan.FromMilliseconds(expectedMs),
            BlobTriggerListener.PollDelay(TimeSpan.FromMilliseconds(intervalMs), TimeSpan.FromMilliseconds(listingMs), backstop));

    [Theory]
    [InlineData(null, 0, null)] // no notice ever: the sweep is not deferred
    [InlineData(200, 0, 800)] // notices stream in: wait for a second without one
    [InlineData(1000, 0, null)] // a lull: go on
    [InlineData(5000, 10_000, null)]
    [InlineData(100, 60_000, null)] // a steady stream defers the backstop a minute at most
    [InlineData(100, 59_000, 900)]
    public void LullWait_DefersTheBackstopWhileNoticesStreamIn_AMinuteAtMost(int? sinceLastNoticeMs, int deferredMs, int? expectedMs) =>
        Assert.Equal(
            expectedMs is { } expected ? TimeSpan.FromMilliseconds(expected) : null,
            BlobTriggerListener.LullWait(sinceLastNoticeMs is { } since ? TimeSpan.FromMilliseconds(since) : null, TimeSpan.FromMilliseconds(deferredMs)));
}
