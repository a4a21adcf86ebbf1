using System.Collections.Concurrent;

namespace LlmOps.Triggers;

/// <summary>
/// Per function, the last success and the last failure (with its error) of the invocations this process ran, as
/// <see cref="InvocationTelemetry"/> ends them; published with the host's status for `llmops status`.
/// </summary>
public sealed class InvocationLedger
{
    private readonly ConcurrentDictionary<string, FunctionActivity> _functions = new(StringComparer.Ordinal);

    /// <summary>The ledger of this process.</summary>
    public static InvocationLedger Shared { get; } = new();

    public void Record(string function, bool succeeded, string? error, DateTimeOffset at) =>
        _functions.AddOrUpdate(
            function,
            _ => succeeded ? new FunctionActivity(at, null, null) : new FunctionActivity(null, at, error),
            (_, current) => succeeded ? current with { LastSuccess = at } : current with { LastFailure = at, LastError = error });

    public IReadOnlyDictionary<string, FunctionActivity> Snapshot() => new Dictionary<string, FunctionActivity>(_functions, StringComparer.Ordinal);
}

/// <summary>When a function last succeeded and last failed, and why.</summary>
public sealed record FunctionActivity(DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastError);
