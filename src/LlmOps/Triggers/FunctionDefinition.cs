namespace LlmOps.Triggers;

/// <summary>
/// One function of the catalog: its trigger and the handler it calls.
/// <see cref="Target"/> is the blob path pattern (container/pattern), the queue name, the NCRONTAB schedule
/// (six fields, or <c>%Setting%</c> resolved from configuration) or the HTTP route under <c>/api</c>.
/// </summary>
public sealed record FunctionDefinition
{
    public FunctionDefinition(string name, TriggerKind kind, string target, Type handlerType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentNullException.ThrowIfNull(handlerType);
        var expected = kind switch
        {
            TriggerKind.Blob => typeof(IBlobTriggerHandler),
            TriggerKind.Queue => typeof(IQueueTriggerHandler),
            TriggerKind.Timer => typeof(ITimerTriggerHandler),
            TriggerKind.Http => typeof(IHttpTriggerHandler),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown trigger kind."),
        };
        if (!expected.IsAssignableFrom(handlerType))
        {
            throw new ArgumentException($"Function '{name}' is a {kind} trigger, so its handler {handlerType.Name} must implement {expected.Name}.", nameof(handlerType));
        }

        if (kind == TriggerKind.Blob)
        {
            _ = BlobPathPattern.Parse(target);
        }

        Name = name;
        Kind = kind;
        Target = target;
        HandlerType = handlerType;
    }

    public string Name { get; }

    public TriggerKind Kind { get; }

    public string Target { get; }

    public Type HandlerType { get; }

    /// <summary>HTTP only: the methods accepted, upper case.</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["GET"];

    /// <summary>HTTP only: the key the caller must present.</summary>
    public FunctionAuthLevel AuthLevel { get; init; } = FunctionAuthLevel.Function;

    public static FunctionDefinition Blob<THandler>(string name, string path)
        where THandler : IBlobTriggerHandler => new(name, TriggerKind.Blob, path, typeof(THandler));

    public static FunctionDefinition Queue<THandler>(string name, string queueName)
        where THandler : IQueueTriggerHandler => new(name, TriggerKind.Queue, queueName, typeof(THandler));

    public static FunctionDefinition Timer<THandler>(string name, string schedule)
        where THandler : ITimerTriggerHandler => new(name, TriggerKind.Timer, schedule, typeof(THandler));

    public static FunctionDefinition Http<THandler>(string name, string route, FunctionAuthLevel authLevel, params string[] methods)
        where THandler : IHttpTriggerHandler => new(name, TriggerKind.Http, route, typeof(THandler))
        {
            AuthLevel = authLevel,
            Methods = methods.Select(m => m.ToUpperInvariant()).ToArray(),
        };
}
