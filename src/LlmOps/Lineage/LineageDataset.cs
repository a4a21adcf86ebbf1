namespace LlmOps.Lineage;

/// <summary>An input or output of a <see cref="LineageEvent"/>: a node id and facets describing it.</summary>
public sealed record LineageDataset(string Id, IReadOnlyDictionary<string, string>? Facets = null);
