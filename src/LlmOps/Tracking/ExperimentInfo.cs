namespace LlmOps.Tracking;

/// <summary>An experiment: a named group of runs, created on first use.</summary>
public sealed record ExperimentInfo(string Name, DateTimeOffset CreatedAt, int Runs);
