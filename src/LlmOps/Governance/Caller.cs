namespace LlmOps.Governance;

/// <summary>
/// Who makes a call: a principal id that roles are granted to (<c>key:ci-bot</c>, <c>entra:&lt;object id&gt;</c>,
/// <c>local:alice</c>, <c>function:IngestDrop</c>) and a name for people to read.
/// </summary>
public sealed record Caller(string Id, string Name, CallerSource Source)
{
    /// <summary>Nothing identified the caller (a host with neither a key nor a principal header).</summary>
    public static Caller Anonymous { get; } = new("anonymous", "anonymous", CallerSource.None);

    /// <summary>The host's shared function key: who holds it is not known, only that it opened the route.</summary>
    public static Caller FunctionKey { get; } = new("key:function", "the function key", CallerSource.Key);

    public static Caller Function(string functionName) => new("function:" + functionName, functionName, CallerSource.Function);

    public static Caller Key(string keyName) => new("key:" + keyName, keyName, CallerSource.Key);

    public static Caller Local(string name) => new("local:" + name, name, CallerSource.LocalIdentity);

    /// <summary>The caller a stored principal id names (its source from the id's kind).</summary>
    public static Caller FromId(string id, string name)
    {
        ArgumentNullException.ThrowIfNull(id);
        var source = id.Split(':')[0] switch
        {
            "key" => CallerSource.Key,
            "entra" => CallerSource.EntraId,
            "local" => CallerSource.LocalIdentity,
            "function" => CallerSource.Function,
            _ => CallerSource.None,
        };
        return new Caller(id, name, source);
    }

    public override string ToString() => Id.EndsWith(":" + Name, StringComparison.Ordinal) ? Id : $"{Name} ({Id})";
}
