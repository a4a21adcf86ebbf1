using System.Text.Json;
using LlmOps.Storage;

namespace LlmOps.Lineage;

/// <summary>
/// One row of table <c>lineage</c>: a node's own row (RowKey <c>node</c>) or one of its edges (RowKey
/// <c>up|…</c> / <c>down|…</c>). Both kinds share a partition so one query reads a node and its neighbours.
/// </summary>
public sealed class LineageRow : TableRow
{
    /// <summary>The node's id (node rows).</summary>
    public string? Id { get; set; }

    /// <summary>The node's kind (node rows).</summary>
    public string? Kind { get; set; }

    /// <summary>The node at the other end (edge rows).</summary>
    public string? Other { get; set; }

    public string? Relation { get; set; }

    public Guid? RunId { get; set; }

    public string? Job { get; set; }

    /// <summary>The node's facets (node rows) or the recording run's facets (edge rows), as JSON.</summary>
    public string Facets { get; set; } = "{}";

    public DateTimeOffset RecordedAt { get; set; }

    internal LineageNode ToNode() => new(Id ?? "", Kind ?? "", ParseFacets(), RecordedAt);

    internal LineageEdge ToEdge(string from, string to) => new(from, to, Relation ?? "", RunId ?? Guid.Empty, Job ?? "", ParseFacets(), RecordedAt);

    private Dictionary<string, string> ParseFacets() => JsonSerializer.Deserialize<Dictionary<string, string>>(Facets) ?? [];
}
