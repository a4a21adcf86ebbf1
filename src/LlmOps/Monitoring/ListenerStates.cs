using System.Collections.Concurrent;

namespace LlmOps.Monitoring;

/// <summary>
/// What each trigger listener of this host instance is doing, for GET /api/health. The local host reports into it;
/// in Azure the Functions host runs the triggers and it stays empty.
/// </summary>
public sealed class ListenerStates(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, ListenerState> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _pending = new(StringComparer.Ordinal);

    /// <summary>Records a listener's state; the time it entered it is kept while the state stays the same.</summary>
    public void Set(string function, string trigger, string status, string? error = null) =>
        _states.AddOrUpdate(
            function,
            _ => new ListenerState(function, trigger, status, error, clock.GetUtcNow()),
            (_, current) => current.Status == status ? current with { Error = error ?? current.Error } : new ListenerState(function, trigger, status, error, clock.GetUtcNow()));

    /// <summary>A blob trigger's inputs claimed and not finished yet (running, or waiting for a handler slot).</summary>
    public void SetPending(string function, int pending) => _pending[function] = pending;

    public IReadOnlyDictionary<string, int> Pending() => new Dictionary<string, int>(_pending, StringComparer.Ordinal);

    public IReadOnlyList<ListenerState> Snapshot() => [.. _states.Values.OrderBy(s => s.Function, StringComparer.Ordinal)];
}
