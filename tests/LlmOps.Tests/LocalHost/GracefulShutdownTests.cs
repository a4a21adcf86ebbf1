using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Tests.LocalHost;

public sealed class GracefulShutdownTests
{
    private static readonly Dictionary<string, string?> ShortShutdown = new() { ["LlmOps:Host:ShutdownTimeout"] = "00:00:01" };

    [Fact]
    public async Task StopDuringBlobHandler_BlobHandedBack_NextHostRunsItWithoutWaitingForTheLease()
    {
        var storage = await SharedAzurite.AccountAsync();
        var container = TestNames.Container("shutdown");
        var function = TestNames.Function("StopBlob");
        await storage.Container(container).CreateIfNotExistsAsync();
        var blocking = new BlockingBlobHandler();
        var host = await TestHosts.StartAsync(
            new FunctionCatalog([FunctionDefinition.Blob<BlockingBlobHandler>(function, container + "/{name}")]), s => s.AddSingleton(blocking), ShortShutdown);
        await storage.Container(container).UploadBlobAsync("in-flight.jsonl", BinaryData.FromString("x"));
        await Eventually.UntilAsync(() => blocking.Started.Count == 1, "the handler to start");

        await host.StopAsync();
        await host.DisposeAsync();

        var etag = (await storage.Container(container).GetBlobClient("in-flight.jsonl").GetPropertiesAsync()).Value.ETag;
        var receipt = await new BlobReceiptStore(storage, new LocalHostOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<BlobReceiptStore>.Instance)
            .GetRowAsync(function, container, "in-flight.jsonl", etag, CancellationToken.None);
        Assert.Equal(nameof(BlobReceiptStatus.Pending), receipt!.Status);
        Assert.Equal(0, receipt.Attempts);
        // The claim was released at stop (the receipt has no owner), not left to lapse: the next host need not wait for it.
        Assert.Equal("", receipt.Owner);

        var recording = new RecordingBlobHandler();
        await using var next = await TestHosts.StartAsync(
            new FunctionCatalog([FunctionDefinition.Blob<RecordingBlobHandler>(function, container + "/{name}")]), s => s.AddSingleton(recording));
        await Eventually.UntilAsync(() => recording.Runs.GetValueOrDefault("in-flight.jsonl") == 1, "the next host to run the handed-back blob");
    }

    [Fact]
    public async Task StopDuringQueueHandler_MessageVisibleAgain_NotCountedAsFailure()
    {
        var storage = await SharedAzurite.AccountAsync();
        var queue = TestNames.Queue("shutdown");
        var function = TestNames.Function("StopQueue");
        await storage.Queue(queue).CreateIfNotExistsAsync();
        await storage.Queue(queue).SendMessageAsync("keep me");
        var blocking = new BlockingQueueHandler();
        var host = await TestHosts.StartAsync(
            new FunctionCatalog([FunctionDefinition.Queue<BlockingQueueHandler>(function, queue)]), s => s.AddSingleton(blocking), ShortShutdown);
        await Eventually.UntilAsync(() => blocking.Started.Count == 1, "the handler to start");

        await host.StopAsync();
        var failures = host.Diagnostics.Get(HostDiagnostics.QueueFailed, function);
        await host.DisposeAsync();

        // Visible again at once (the processing visibility is a minute), with its body intact.
        var peeked = await Eventually.UntilAsync(async () => (await storage.Queue(queue).PeekMessagesAsync(1)).Value, m => m.Length == 1, "the message to be visible again", TimeSpan.FromSeconds(10));
        Assert.Equal("keep me", peeked[0].Body.ToString());
        Assert.Equal(0, failures);
        Assert.Equal(0, (await storage.Queue(queue + "-poison").ExistsAsync()).Value ? (await storage.Queue(queue + "-poison").GetPropertiesAsync()).Value.ApproximateMessagesCount : 0);
    }
}
