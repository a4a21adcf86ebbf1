namespace LlmOps.Datasets;

/// <summary>Record ids added, removed and changed (same id, other content) from one version to another.</summary>
public sealed record DatasetDiff(string From, string To, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed);
