using System.Collections.Concurrent;

namespace LlmOps.LocalHost;

/// <summary>Counters of what this host instance did, for `llmops up` output, benchmarks and tests.</summary>
public sealed class HostDiagnostics
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    public const string BlobInvocations = "blob.invocations";
    public const string BlobSucceeded = "blob.succeeded";
    public const string BlobFailed = "blob.failed";
    public const string BlobPoisoned = "blob.poisoned";
    public const string BlobBusy = "blob.busy";
    public const string QueueSucceeded = "queue.succeeded";
    public const string QueueFailed = "queue.failed";
    public const string QueuePoisoned = "queue.poisoned";
    public const string TimerRuns = "timer.runs";
    public const string TimerLockAttempts = "timer.lock-attempts";
    public const string TimerLockHeld = "timer.lock-held";
    public const string WorkerHung = "worker.hung";

    public void Increment(string counter, string function) => _counters.AddOrUpdate($"{counter}:{function}", 1, (_, v) => v + 1);

    public long Get(string counter, string function) => _counters.TryGetValue($"{counter}:{function}", out var v) ? v : 0;

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counters, StringComparer.Ordinal);
}
