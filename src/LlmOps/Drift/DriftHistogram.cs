namespace LlmOps.Drift;

/// <summary>Shares of reference and current per bin (numeric ranges or categories), for the report's overlays.</summary>
public sealed record DriftHistogram(IReadOnlyList<string> Bins, IReadOnlyList<double> Reference, IReadOnlyList<double> Current);
