using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>gates</c> section: <c>promote</c>, bounds on the metrics a version's run logged ({metric, min, max}), and
/// <c>evaluation</c>, gates on an evaluation of the candidate and the baseline on the same set, with MLflow's fields
/// ({metric, min, max, min_absolute_change, min_relative_change, greater_is_better}), and <c>canary</c>, the same fields
/// plus <c>min_requests</c> on production traces of a canary deployment against the stable one.
/// </summary>
internal static class GatesSection
{
    private static readonly string[] RunFields = ["metric", "min", "max"];
    private static readonly string[] EvaluationFields = ["metric", "min", "max", "min_absolute_change", "min_relative_change", "greater_is_better"];
    private static readonly string[] CanaryFields = ["metric", "min", "max", "min_absolute_change", "min_relative_change", "greater_is_better", "min_requests"];

    public static (List<ReleaseGate> Promote, List<ReleaseGate> Evaluation, List<ReleaseGate> Canary) Read(NodeReader reader, YamlMappingNode root)
    {
        if (reader.Mapping(root, "gates", "") is not { } section)
        {
            return ([], [], []);
        }

        reader.RejectUnknown(section, "gates", ["promote", "evaluation", "canary"]);
        var canary = List(reader, section, "canary", CanaryFields);
        foreach (var gate in canary.Where(g => !CanaryMetrics.Contains(g.Metric)))
        {
            reader.Error(NodeReader.Child(section, "canary")!, "gates.canary", "a metric of production traces (" + string.Join(", ", CanaryMetrics) + ")", gate.Metric);
        }

        return (List(reader, section, "promote", RunFields), List(reader, section, "evaluation", EvaluationFields), canary);
    }

    /// <summary>What a canary is compared on: the production traces' thumbs-up rate, error rate, latency p95 and cost per request.</summary>
    public static IReadOnlyList<string> CanaryMetrics { get; } = ["thumbs_up_rate", "error_rate", "latency_p95", "cost_per_request"];

    private static List<ReleaseGate> List(NodeReader reader, YamlMappingNode section, string key, string[] fields)
    {
        var gates = new List<ReleaseGate>();
        if (NodeReader.Child(section, key) is not { } node)
        {
            return gates;
        }

        var bounds = fields.Length > 3 ? fields[1..5] : fields[1..];
        var list = $"gates.{key}";
        reader.EachMapping(node, list, $"a list of {{{string.Join(", ", fields)}}}", "a mapping with metric and " + (bounds.Length == 2 ? "min and/or max" : "at least one bound"), (item, at) =>
        {
            reader.RejectUnknown(item, at, fields);
            var metric = reader.RequiredString(item, "metric", at);
            var min = reader.OptionalNumber(item, "min", at);
            var max = reader.OptionalNumber(item, "max", at);
            var absolute = fields.Length > 3 ? reader.OptionalNumber(item, "min_absolute_change", at) : null;
            var relative = fields.Length > 3 ? reader.OptionalNumber(item, "min_relative_change", at) : null;
            bool? greater = NodeReader.Child(item, "greater_is_better") is null ? null : reader.Boolean(item, "greater_is_better", at, true);
            var minRequests = fields.Contains("min_requests") ? reader.OptionalNumber(item, "min_requests", at) : null;
            if (minRequests is { } m && (m < 1 || m != Math.Floor(m)))
            {
                reader.Error(NodeReader.Child(item, "min_requests")!, at + ".min_requests", "a whole number of at least 1", m.ToString(CultureInfo.InvariantCulture));
            }
            if (bounds.All(f => NodeReader.Child(item, f) is null))
            {
                reader.Error(item, at, bounds.Length == 2 ? "min, max or both" : string.Join(", ", bounds[..^1]) + " or " + bounds[^1], "none of them");
            }
            else if (min > max)
            {
                reader.Error(NodeReader.Child(item, "max")!, at + ".max", $"at least min ({min.Value.ToString(CultureInfo.InvariantCulture)})", max.Value.ToString(CultureInfo.InvariantCulture));
            }

            if (metric is not null && gates.Any(g => g.Metric == metric))
            {
                reader.Error(NodeReader.Child(item, "metric")!, at + ".metric", "a metric no other gate names", metric);
            }
            else if (metric is not null)
            {
                gates.Add(new ReleaseGate(metric, min, max, absolute, relative, greater) { MinRequests = minRequests is { } n ? (int)n : null });
            }
        });

        return gates;
    }
}
