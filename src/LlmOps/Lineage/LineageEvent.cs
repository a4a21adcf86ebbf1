namespace LlmOps.Lineage;

/// <summary>
/// What a process reports, in the shape of an OpenLineage RunEvent: its job, its run, its input and output datasets
/// and facets. Every input gets an edge of <see cref="Relation"/> to every output.
/// </summary>
public sealed record LineageEvent(
    string Job,
    Guid RunId,
    string Relation,
    IReadOnlyList<LineageDataset> Inputs,
    IReadOnlyList<LineageDataset> Outputs,
    IReadOnlyDictionary<string, string>? RunFacets = null);
