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
        var left = (await storage.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        Assert.Equal(0, left);
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
