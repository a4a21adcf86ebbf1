using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Tests.LocalHost;

public sealed class QueueTriggerTests
{
    [Fact]
    public async Task FailingMessage_EndsOnPoisonQueueAfterMaxDequeueCount_WithOriginalBody()
    {
        var storage = await SharedAzurite.AccountAsync();
        var queue = TestNames.Queue("fails");
        var handler = new ThrowingQueueHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Queue<ThrowingQueueHandler>(TestNames.Function("QueueThrows"), queue)]);
        await storage.Queue(queue).CreateIfNotExistsAsync();
        await storage.Queue(queue).SendMessageAsync("{\"dataset\":\"tickets\"}");
        var poison = storage.Queue(StorageNames.PoisonQueueFor(queue));
        await poison.CreateIfNotExistsAsync();
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));

        var poisoned = await Eventually.UntilAsync(
            async () => (await poison.PeekMessagesAsync(1)).Value,
            messages => messages.Length == 1,
            "the message on the poison queue");

        Assert.Equal("{\"dataset\":\"tickets\"}", poisoned[0].Body.ToString());
        Assert.Equal([1L, 2L, 3L, 4L, 5L], handler.DequeueCounts.ToArray());
        await Eventually.UntilAsync(async () => (await storage.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "the original to be deleted after the move");
    }

    [Fact]
    public async Task PermanentFailure_OutcomeOrPermanentError_DeadLetteredAfterOneDequeue()
    {
        var storage = await SharedAzurite.AccountAsync();
        var queue = TestNames.Queue("deadletter");
        var handler = new DeadLetteringQueueHandler();
        var function = TestNames.Function("QueueDeadLetter");
        var catalog = new FunctionCatalog([FunctionDefinition.Queue<DeadLetteringQueueHandler>(function, queue)]);
        await storage.Queue(queue).CreateIfNotExistsAsync();
        var poison = storage.Queue(StorageNames.PoisonQueueFor(queue));
        await poison.CreateIfNotExistsAsync();
        await storage.Queue(queue).SendMessageAsync("outcome-1");
        await storage.Queue(queue).SendMessageAsync("thrown-1");
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));

        var poisoned = await Eventually.UntilAsync(
            async () => (await poison.PeekMessagesAsync(32)).Value,
            messages => messages.Length == 2,
            "both messages on the poison queue");

        Assert.Equal(["outcome-1", "thrown-1"], poisoned.Select(m => m.Body.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(["outcome-1", "thrown-1"], handler.Calls.Order(StringComparer.Ordinal));
        await Eventually.UntilAsync(async () => (await storage.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "the originals to be deleted");
        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.QueuePoisoned, function) == 2, "both moves recorded");
        Assert.Equal(2, handler.Calls.Count);
    }

    [Fact]
    public async Task PoisonMoveInterruptedAfterTheSend_Retried_DeletesTheOriginal_SendsNoSecondCopy()
    {
        var storage = await SharedAzurite.AccountAsync();
        var queue = TestNames.Queue("halfmoved");
        var poison = storage.Queue(StorageNames.PoisonQueueFor(queue));
        await storage.Queue(queue).CreateIfNotExistsAsync();
        await poison.CreateIfNotExistsAsync();
        var sent = (await storage.Queue(queue).SendMessageAsync("{\"dataset\":\"tickets\"}")).Value;
        // A host that used up its dequeues, sent the poison copy and recorded it, then died before deleting the original.
        for (var i = 0; i < 5; i++)
        {
            var received = (await storage.Queue(queue).ReceiveMessageAsync(TimeSpan.FromSeconds(30))).Value;
            Assert.NotNull(received);
            await storage.Queue(queue).UpdateMessageAsync(received.MessageId, received.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        await poison.SendMessageAsync("{\"dataset\":\"tickets\"}");
        var hosts = storage.Container(StorageNames.HostContainer);
        await hosts.CreateIfNotExistsAsync();
        await hosts.GetBlobClient(QueueTriggerListener.PoisonMoveMarker(queue, sent.MessageId)).UploadAsync(BinaryData.FromString("earlier"));
        var handler = new RecordingQueueHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Queue<RecordingQueueHandler>(TestNames.Function("QueueHalfMoved"), queue)]);
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));

        await Eventually.UntilAsync(async () => (await storage.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0, "the original to be deleted");
        Assert.Equal(1, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty(handler.Messages);
    }

    [Fact]
    public async Task OneSlowMessage_DoesNotHoldBackTheOthers_SlotsRefillAsTheyFree()
    {
        var storage = await SharedAzurite.AccountAsync();
        var queue = TestNames.Queue("slow");
        var handler = new SlowOneQueueHandler();
        var catalog = new FunctionCatalog([FunctionDefinition.Queue<SlowOneQueueHandler>(TestNames.Function("QueueSlow"), queue)]);
        await storage.Queue(queue).CreateIfNotExistsAsync();
        await storage.Queue(queue).SendMessageAsync("slow");
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));
        await Eventually.UntilAsync(() => handler.SlowStarted, "the slow message to start");

        // Forty more than a batch (16) while the slow one still runs: every one is handled before it is released.
        for (var i = 0; i < 40; i++)
        {
            await storage.Queue(queue).SendMessageAsync($"fast-{i}");
        }

        await Eventually.UntilAsync(() => handler.Done.Count == 40, "the 40 fast messages while the slow one runs");
        Assert.DoesNotContain("slow", handler.Done);
        handler.Release.SetResult();
        await Eventually.UntilAsync(() => handler.Done.Contains("slow"), "the slow message to finish");
    }

    [Fact]
    public async Task GoodMessage_HandledOnceAndDeleted()
    {
        var storage = await SharedAzurite.AccountAsync();
        var queue = TestNames.Queue("works");
        var handler = new RecordingQueueHandler();
        var function = TestNames.Function("QueueWorks");
        var catalog = new FunctionCatalog([FunctionDefinition.Queue<RecordingQueueHandler>(function, queue)]);
        await using var host = await TestHosts.StartAsync(catalog, s => s.AddSingleton(handler));
        await storage.Queue(queue).CreateIfNotExistsAsync();
        await storage.Queue(queue).SendMessageAsync("hello é");

        await Eventually.UntilAsync(() => host.Diagnostics.Get(HostDiagnostics.QueueSucceeded, function) == 1, "the message handled");
        var message = Assert.Single(handler.Messages);
        Assert.Equal("hello é", message.Body);
        Assert.Equal(1, message.DequeueCount);
        Assert.Equal(0, (await storage.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
