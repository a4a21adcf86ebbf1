namespace LlmOps.Lineage;

/// <summary>
/// The answer to a lineage query: the nodes reached within <see cref="Depth"/> hops and the edges between them.
/// <see cref="Truncated"/> says the walk stopped at the depth limit while more lay beyond.
/// </summary>
public sealed record LineageGraph(
    string Root,
    LineageDirection Direction,
    int Depth,
    bool Found,
    IReadOnlyList<LineageNode> Nodes,
    IReadOnlyList<LineageEdge> Edges,
    bool Truncated)
{
    /// <summary>The hop count of every node from the root.</summary>
    public IReadOnlyDictionary<string, int> Distances { get; init; } = new Dictionary<string, int>();
}
