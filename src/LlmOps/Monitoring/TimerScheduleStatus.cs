namespace LlmOps.Monitoring;

/// <summary>
/// What the schedule monitor remembers of a timer: the last occurrence run, the next one due, and the schedule
/// that next was computed from (null when unknown), so a changed schedule does not wait for the old one's next.
/// </summary>
public sealed record TimerScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated, string? Schedule = null);
