using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>quality</c> section: the quarantine limit and the record rules.</summary>
internal static class QualitySection
{
    public static QualitySettings Read(NodeReader reader, YamlMappingNode root, List<SourceDefinition> sources)
    {
        if (NodeReader.Child(root, "quality") is not { } node)
        {
            return QualitySettings.Default;
        }

        if (node is not YamlMappingNode quality)
        {
            reader.Error(node, "quality", "a mapping with max_quarantine_rate and rules", NodeReader.Describe(node));
            return QualitySettings.Default;
        }

        reader.RejectUnknown(quality, "quality", ["max_quarantine_rate", "rules"]);
        var rate = reader.Number(quality, "max_quarantine_rate", "quality", QualitySettings.Default.MaxQuarantineRate, 0, 1);
        var rules = new List<QualityRule>();
        if (NodeReader.Child(quality, "rules") is { } rulesNode)
        {
            var fieldNames = sources.SelectMany(s => s.Schema).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            reader.EachMapping(rulesNode, "quality.rules", "a list of rules", "a mapping with rule and field", (item, at) =>
            {
                reader.RejectUnknown(item, at, ["rule", "field", "min", "max", "values", "pattern"]);
                if (NodeReader.Child(item, "rule") is null)
                {
                    reader.Error(item, at + ".rule", "one of not_null, unique, length, allowed_values, regex", "nothing");
                    return;
                }

                var kind = reader.Enum(item, "rule", at, QualityRuleKind.NotNull, new Dictionary<string, QualityRuleKind>
                {
                    ["not_null"] = QualityRuleKind.NotNull, ["unique"] = QualityRuleKind.Unique, ["length"] = QualityRuleKind.Length,
                    ["allowed_values"] = QualityRuleKind.AllowedValues, ["regex"] = QualityRuleKind.Regex,
                });
                var field = reader.RequiredString(item, "field", at) ?? "";
                if (field.Length > 0 && fieldNames.Count > 0 && !fieldNames.Contains(field))
                {
                    reader.Error(NodeReader.Child(item, "field")!, at + ".field", "a field of a source schema (" + string.Join(", ", fieldNames) + ")", field);
                }

                var rule = new QualityRule(kind, field);
                switch (kind)
                {
                    case QualityRuleKind.Length:
                        var min = reader.Integer(item, "min", at, null, 0);
                        var max = reader.Integer(item, "max", at, null, 0);
                        if (min is null && max is null)
                        {
                            reader.Error(item, at, "min, max or both for a length rule", "neither");
                        }
                        else if (min > max)
                        {
                            reader.Error(NodeReader.Child(item, "min")!, at + ".min", $"at most max ({max})", min?.ToString(CultureInfo.InvariantCulture));
                        }

                        rule = rule with { MinLength = min, MaxLength = max };
                        break;
                    case QualityRuleKind.AllowedValues:
                        var values = reader.StringList(item, "values", at);
                        if (values.Count == 0)
                        {
                            reader.Error(NodeReader.Child(item, "values") ?? item, at + ".values", "a non-empty list of allowed values", "none");
                        }

                        rule = rule with { AllowedValues = values };
                        break;
                    case QualityRuleKind.Regex:
                        var pattern = reader.RequiredString(item, "pattern", at);
                        if (pattern is not null && !NodeReader.IsValidRegex(pattern, out var problem))
                        {
                            reader.Error(NodeReader.Child(item, "pattern")!, at + ".pattern", "a .NET regular expression", problem);
                        }

                        rule = rule with { Pattern = pattern };
                        break;
                }

                rules.Add(rule);
            });
        }

        return new QualitySettings(rate, rules);
    }
}
