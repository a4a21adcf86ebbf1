using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>gates</c> section: release gates on a version's run metrics.</summary>
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

        reader.EachMapping(node, "gates.promote", "a list of {metric, min, max}", "a mapping with metric and min and/or max", (item, at) =>
        {
            reader.RejectUnknown(item, at, ["metric", "min", "max"]);
            var metric = reader.RequiredString(item, "metric", at);
            var min = reader.OptionalNumber(item, "min", at);
            var max = reader.OptionalNumber(item, "max", at);
            if (NodeReader.Child(item, "min") is null && NodeReader.Child(item, "max") is null)
            {
                reader.Error(item, at, "min, max or both", "neither");
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
                gates.Add(new ReleaseGate(metric, min, max));
            }
        });

        return gates;
    }
}
