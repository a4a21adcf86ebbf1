namespace LlmOps.LocalHost;

/// <summary>What the schedule monitor remembers of a timer: the last occurrence run and the next one due.</summary>
public sealed record TimerScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
