namespace LlmOps.Lifecycle;

/// <summary>The lifecycle's <c>notify</c> section: its channels, and per event kind the channels it goes to.</summary>
public sealed record NotifySettings(IReadOnlyList<NotificationChannel> Channels, IReadOnlyDictionary<string, IReadOnlyList<string>> Events)
{
    public static NotifySettings None { get; } = new([], new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>The channels an event of <paramref name="kind"/> goes to.</summary>
    public IEnumerable<NotificationChannel> ChannelsFor(string kind) =>
        Events.TryGetValue(kind, out var names) ? Channels.Where(c => names.Contains(c.Name, StringComparer.Ordinal)) : [];
}
