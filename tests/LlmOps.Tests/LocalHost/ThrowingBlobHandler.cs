using System.Collections.Concurrent;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class ThrowingBlobHandler : IBlobTriggerHandler
{
    public const string Message = "the drop is unreadable on purpose";

    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);

    public Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        Attempts.AddOrUpdate(blob.Name, 1, (_, n) => n + 1);
        throw new InvalidDataException(Message);
    }
}
