using System.Collections.Concurrent;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

/// <summary>Fails permanently: "outcome" inputs return a dead-letter outcome, the others throw a permanent (Invalid) error.</summary>
public sealed class DeadLetteringQueueHandler : IQueueTriggerHandler
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        Calls.Enqueue(message.Body);
        return message.Body.StartsWith("outcome", StringComparison.Ordinal)
            ? Task.FromResult(HandlerOutcome.DeadLetter("not an announcement"))
            : throw LlmOpsException.Invalid("malformed on purpose");
    }
}

/// <summary>The blob counterpart of <see cref="DeadLetteringQueueHandler"/>, keyed by blob name.</summary>
public sealed class DeadLetteringBlobHandler : IBlobTriggerHandler
{
    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);

    public Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        Attempts.AddOrUpdate(blob.Name, 1, (_, n) => n + 1);
        return blob.Name.StartsWith("outcome", StringComparison.Ordinal)
            ? Task.FromResult(HandlerOutcome.DeadLetter("not a drop"))
            : throw LlmOpsException.Invalid("malformed on purpose");
    }
}
