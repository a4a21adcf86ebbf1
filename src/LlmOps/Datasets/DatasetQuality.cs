namespace LlmOps.Datasets;

/// <summary>The quality summary in a manifest: what was read, accepted and quarantined, and why.</summary>
public sealed record DatasetQuality(long Read, long Accepted, long Quarantined, double QuarantineRate, double MaxQuarantineRate, IReadOnlyDictionary<string, long> QuarantinedByRule);
