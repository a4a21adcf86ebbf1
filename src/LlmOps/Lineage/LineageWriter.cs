using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmOps.Lineage;

/// <summary>Writes a <see cref="LineageGraph"/> as text, a Mermaid flowchart, JSON, or OpenLineage run events.</summary>
public static class LineageWriter
{
    public const string OpenLineageProducer = "https://github.com/llmops/llmops";
    public const string OpenLineageSchema = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
    public const string OpenLineageNamespace = "llmops";

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerOptions.Web) { WriteIndented = true };

    public static bool TryParseFormat(string? text, out LineageFormat format)
    {
        format = LineageFormat.Text;
        return text is null || Enum.TryParse(text, ignoreCase: true, out format) && Enum.IsDefined(format);
    }

    public static string Write(LineageGraph graph, LineageFormat format)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return format switch
        {
            LineageFormat.Mermaid => Mermaid(graph),
            LineageFormat.Json => JsonSerializer.Serialize(graph, Indented),
            LineageFormat.OpenLineage => string.Join('\n', OpenLineageEvents(graph).Select(e => e.ToJsonString())),
            _ => Text(graph),
        };
    }

    public static string Text(LineageGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var text = new StringBuilder();
        var direction = graph.Direction switch
        {
            LineageDirection.Upstream => "upstream",
            LineageDirection.Downstream => "downstream",
            _ => "up- and downstream",
        };
        text.Append(CultureInfo.InvariantCulture, $"{graph.Root}: {graph.Nodes.Count} node(s), {graph.Edges.Count} edge(s) {direction} within {graph.Depth} hop(s)");
        text.AppendLine(graph.Truncated ? " (more beyond the depth limit)" : "");
        foreach (var group in graph.Nodes.Where(n => n.Id != graph.Root).GroupBy(n => graph.Distances.GetValueOrDefault(n.Id)).OrderBy(g => g.Key))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Key} hop(s):");
            foreach (var node in group.OrderBy(n => n.Id, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {node.Id}");
            }
        }

        text.AppendLine("  edges:");
        foreach (var edge in graph.Edges.OrderBy(e => graph.Distances.GetValueOrDefault(e.From) + graph.Distances.GetValueOrDefault(e.To)).ThenBy(e => e.From, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {edge.From} --{edge.Relation}--> {edge.To}  [{edge.Job}]");
        }

        return text.ToString();
    }

    public static string Mermaid(LineageGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = new StringBuilder("flowchart LR\n");
        foreach (var id in graph.Nodes.Select(n => n.Id).Concat(graph.Edges.SelectMany(e => new[] { e.From, e.To })).Append(graph.Root).Distinct(StringComparer.Ordinal))
        {
            ids[id] = "n" + ids.Count.ToString(CultureInfo.InvariantCulture);
            var label = id.Replace("\"", "#quot;", StringComparison.Ordinal);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {ids[id]}[\"{label}\"]:::{Kind(id)}");
        }

        foreach (var edge in graph.Edges)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {ids[edge.From]} -->|{edge.Relation}| {ids[edge.To]}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  style {ids[graph.Root]} stroke-width:3px");
        return text.ToString();

        static string Kind(string id) => id[..id.IndexOf(':', StringComparison.Ordinal)];
    }

    /// <summary>The graph's edges grouped by run, each run as an OpenLineage COMPLETE RunEvent.</summary>
    public static IReadOnlyList<JsonObject> OpenLineageEvents(LineageGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var facetsOf = graph.Nodes.ToDictionary(n => n.Id, n => n.Facets, StringComparer.Ordinal);
        return [.. graph.Edges.GroupBy(e => (e.RunId, e.Job)).Select(run => new JsonObject
        {
            ["eventType"] = "COMPLETE",
            ["eventTime"] = run.Max(e => e.RecordedAt).ToString("O", CultureInfo.InvariantCulture),
            ["run"] = new JsonObject { ["runId"] = run.Key.RunId.ToString(), ["facets"] = Facets(run.First().Facets) },
            ["job"] = new JsonObject { ["namespace"] = OpenLineageNamespace, ["name"] = run.Key.Job, ["facets"] = new JsonObject() },
            ["inputs"] = Datasets(run.Select(e => e.From)),
            ["outputs"] = Datasets(run.Select(e => e.To)),
            ["producer"] = OpenLineageProducer,
            ["schemaURL"] = OpenLineageSchema,
        })];

        JsonArray Datasets(IEnumerable<string> ids) => [.. ids.Distinct(StringComparer.Ordinal).Select(id => (JsonNode)new JsonObject
        {
            ["namespace"] = OpenLineageNamespace,
            ["name"] = id,
            ["facets"] = Facets(facetsOf.GetValueOrDefault(id)),
        })];
    }

    private static JsonObject Facets(IReadOnlyDictionary<string, string>? facets)
    {
        if (facets is null || facets.Count == 0)
        {
            return [];
        }

        var properties = new JsonObject();
        foreach (var (key, value) in facets)
        {
            properties[key] = value;
        }

        return new JsonObject
        {
            ["llmops"] = new JsonObject
            {
                ["_producer"] = OpenLineageProducer,
                ["_schemaURL"] = OpenLineageProducer + "/facets/llmops.json",
                ["properties"] = properties,
            },
        };
    }
}
