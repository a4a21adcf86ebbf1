namespace LlmOps.Governance;

/// <summary>
/// The caller of the current flow: set for the length of a function invocation (the function itself) and, inside it, of
/// an HTTP request (its caller) with <see cref="Use"/>; otherwise the client's caller (the CLI's or a notebook's identity).
/// </summary>
public static class CallerContext
{
    private static readonly AsyncLocal<Caller?> Scoped = new();

    /// <summary>The caller of this flow, else <paramref name="fallback"/> (a client's identity), else anonymous.</summary>
    public static Caller Resolve(Caller? fallback) => Scoped.Value ?? fallback ?? Caller.Anonymous;

    /// <summary>Makes <paramref name="caller"/> the caller of this flow until the returned scope is disposed.</summary>
    public static IDisposable Use(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var previous = Scoped.Value;
        Scoped.Value = caller;
        return new Scope(previous);
    }

    private sealed class Scope(Caller? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}
