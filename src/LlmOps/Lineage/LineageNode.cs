namespace LlmOps.Lineage;

/// <summary>A typed node of the lineage graph: <c>blob:</c>, <c>prep:</c>, <c>dataset:</c>, <c>index:</c>, <c>run:</c>, <c>model:</c>, <c>prompt:</c> or <c>deploy:</c>.</summary>
public sealed record LineageNode(string Id, string Kind, IReadOnlyDictionary<string, string> Facets, DateTimeOffset RecordedAt);
