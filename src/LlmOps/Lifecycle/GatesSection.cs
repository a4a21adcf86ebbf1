using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>gates</c> section: release gates on a version's metrics, absolute and relative to the champion.</summary>
internal static class GatesSection
{
    public static List<ReleaseGate> Read(NodeReader reader, YamlMappingNode root)
    {
        var gates = new List<ReleaseGate>();
        if (reader.Mapping(root, "gates", "") is not { } section)
        {
            return gates;
        }

        reader.RejectUnknown(section, "gates", ["promote"]);
        if (NodeReader.Child(section, "promote") is not { } node)
        {
            return gates;
        }

        string[] fields = ["metric", "min", "max", "min_absolute_change", "min_relative_change", "greater_is_better"];
        reader.EachMapping(node, "gates.promote", "a list of {metric, min, max, min_absolute_change, min_relative_change, greater_is_better}", "a mapping with metric and at least one bound", (item, at) =>
        {
            reader.RejectUnknown(item, at, fields);
            var metric = reader.RequiredString(item, "metric", at);
            var min = reader.OptionalNumber(item, "min", at);
            var max = reader.OptionalNumber(item, "max", at);
            var absolute = reader.OptionalNumber(item, "min_absolute_change", at);
            var relative = reader.OptionalNumber(item, "min_relative_change", at);
            bool? greater = NodeReader.Child(item, "greater_is_better") is null ? null : reader.Boolean(item, "greater_is_better", at, true);
            if (fields[1..5].All(f => NodeReader.Child(item, f) is null))
            {
                reader.Error(item, at, "min, max, min_absolute_change or min_relative_change", "none of them");
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
                gates.Add(new ReleaseGate(metric, min, max, absolute, relative, greater));
            }
        });

        return gates;
    }
}
