namespace LlmOps.Drift;

/// <summary>A feature's drift check over all its sources: one report per source checked, and why the others were skipped.</summary>
public sealed record DriftRun(IReadOnlyList<DriftReport> Reports, IReadOnlyList<string> Skipped);
