namespace LlmOps.Lineage;

/// <summary>
/// One edge, upstream to downstream, with the OpenLineage run and job that recorded it and that run's facets.
/// </summary>
public sealed record LineageEdge(string From, string To, string Relation, Guid RunId, string Job, IReadOnlyDictionary<string, string> Facets, DateTimeOffset RecordedAt)
{
    internal string Key => $"{From}\n{To}\n{Relation}\n{RunId}";
}
