namespace LlmOps.Lifecycle;

/// <summary>
/// The lifecycle's <c>drift</c> section: when checks run (six-field NCRONTAB), what they compare (the
/// <see cref="Reference"/>; the current version whole, or its records of the last <see cref="CurrentWindow"/>),
/// per-signal thresholds and actions, and the cool-down before the same action for the same cause is sent again.
/// </summary>
public sealed record DriftSettings(string? Schedule, DriftReference Reference, TimeSpan? CurrentWindow, string? Model, IReadOnlyList<DriftSignalSettings> Signals, TimeSpan Cooldown)
{
    public static DriftSettings Default { get; } = new(null, DriftReference.Previous, null, null, [], TimeSpan.FromHours(24));

    public DriftSignalSettings? For(string signal) => Signals.FirstOrDefault(s => s.Signal == signal);
}
