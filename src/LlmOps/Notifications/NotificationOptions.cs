namespace LlmOps.Notifications;

/// <summary>How webhook deliveries are retried (section <c>LlmOps:Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "LlmOps:Notifications";

    /// <summary>The wait after the first failure; each later one waits three times longer, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts before the delivery is given up and its message poisoned (replayable with llmops poison).</summary>
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RetryDelay(int failedAttempts)
    {
        var delay = FirstRetryDelay.TotalMilliseconds * Math.Pow(3, Math.Max(0, failedAttempts - 1));
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryDelay.TotalMilliseconds));
    }
}
