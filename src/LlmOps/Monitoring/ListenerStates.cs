using System.Collections.Concurrent;

namespace LlmOps.Monitoring;

/// <summary>
/// What each trigger listener of this host instance is doing, for GET /api/health. The local host reports into it;
/// in Azure the Functions host runs the triggers and it stays empty.
/// </summary>
public sealed class ListenerStates(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, ListenerState> _states = new(StringComparer.Ordinal);

    /// <summary>Records a listener's state; the time it entered it is kept while the state stays the same.</summary>
    public void Set(string function, string trigger, string status, string? error = null) =>
        _states.AddOrUpdate(
            function,
            _ => new ListenerState(function, trigger, status, error, clock.GetUtcNow()),
            (_, current) => current.Status == status ? current with { Error = error ?? current.Error } : new ListenerState(function, trigger, status, error, clock.GetUtcNow()));

    public IReadOnlyList<ListenerState> Snapshot() => [.. _states.Values.OrderBy(s => s.Function, StringComparer.Ordinal)];
}
