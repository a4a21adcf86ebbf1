namespace LlmOps.Tracking;

/// <summary>A run's identity and state: <c>run:01JD...</c>, its experiment, status, times and the code revision it ran.</summary>
public sealed record RunInfo(
    string Id,
    string Experiment,
    string Name,
    RunStatus Status,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    string? GitRevision,
    string User);
