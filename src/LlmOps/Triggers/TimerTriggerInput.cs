namespace LlmOps.Triggers;

/// <summary>A timer tick: the occurrence it stands for, and whether it is a run missed while no host was up.</summary>
public sealed record TimerTriggerInput(DateTimeOffset ScheduledTime, bool IsPastDue, DateTimeOffset? Last, DateTimeOffset? Next);
