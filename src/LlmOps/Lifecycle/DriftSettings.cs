namespace LlmOps.Lifecycle;

/// <summary>
/// The lifecycle's <c>drift</c> section: when checks run (six-field NCRONTAB), what they compare (reference
/// <c>champion</c> = the dataset the champion of <see cref="Model"/> was evaluated on, or a dataset version id; current
/// <c>latest</c> or <c>since &lt;duration&gt;</c>), per-signal thresholds and actions, and the cool-down before the same
/// action for the same cause is sent again.
/// </summary>
public sealed record DriftSettings(string? Schedule, string Reference, string Current, string? Model, IReadOnlyList<DriftSignalSettings> Signals, TimeSpan Cooldown)
{
    public static DriftSettings Default { get; } = new(null, "previous", "latest", null, [], TimeSpan.FromHours(24));

    /// <summary>The window of <c>current: since 7d</c>, or null for the latest version whole.</summary>
    public TimeSpan? CurrentWindow => Current.StartsWith("since ", StringComparison.Ordinal) ? LifecycleParser.ParseDuration(Current[6..]) : null;

    public DriftSignalSettings? For(string signal) => Signals.FirstOrDefault(s => s.Signal == signal);
}
