using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>labeling</c> section: <c>projects</c>, each with its item source, label schema, annotators, overlap, gold,
/// agreement gate, consensus method and adjudication threshold.
/// </summary>
internal static partial class LabelingSection
{
    private static readonly Dictionary<string, LabelFieldKind> Kinds = new(StringComparer.Ordinal)
    {
        ["categorical"] = LabelFieldKind.Categorical,
        ["multi_label"] = LabelFieldKind.MultiLabel,
        ["ordinal"] = LabelFieldKind.Ordinal,
        ["numeric"] = LabelFieldKind.Numeric,
        ["text"] = LabelFieldKind.Text,
    };

    private static readonly Dictionary<string, AgreementStatistic> Statistics = new(StringComparer.Ordinal)
    {
        ["krippendorff_alpha"] = AgreementStatistic.KrippendorffAlpha,
        ["fleiss_kappa"] = AgreementStatistic.FleissKappa,
        ["cohen_kappa"] = AgreementStatistic.CohenKappa,
        ["gwet_ac1"] = AgreementStatistic.GwetAc1,
        ["percent_agreement"] = AgreementStatistic.PercentAgreement,
    };

    private static readonly Dictionary<string, AlphaMetric> Metrics = new(StringComparer.Ordinal)
    {
        ["nominal"] = AlphaMetric.Nominal,
        ["ordinal"] = AlphaMetric.Ordinal,
        ["interval"] = AlphaMetric.Interval,
        ["ratio"] = AlphaMetric.Ratio,
    };

    private static readonly Dictionary<string, ConsensusMethod> Methods = new(StringComparer.Ordinal)
    {
        ["majority_vote"] = ConsensusMethod.MajorityVote,
        ["dawid_skene"] = ConsensusMethod.DawidSkene,
    };

    public const double DefaultPublish = 0.8;
    public const double DefaultTentative = 0.667;

    public static List<LabelingProject> Read(NodeReader reader, YamlMappingNode root, IReadOnlyList<SourceDefinition> sources)
    {
        var projects = new List<LabelingProject>();
        if (reader.Mapping(root, "labeling", "") is not { } section)
        {
            return projects;
        }

        reader.RejectUnknown(section, "labeling", ["projects"]);
        if (NodeReader.Child(section, "projects") is not { } list)
        {
            reader.Error(section, "labeling.projects", "a list of projects", "nothing");
            return projects;
        }

        reader.EachMapping(list, "labeling.projects", "a list of projects", "a mapping with name, source, fields and annotators", (item, at) =>
        {
            if (ReadProject(reader, item, at, sources) is { } project)
            {
                if (projects.Any(p => p.Name == project.Name))
                {
                    reader.Error(NodeReader.Child(item, "name")!, at + ".name", "a name no other project has", project.Name);
                }
                else
                {
                    projects.Add(project);
                }
            }
        });

        return projects;
    }

    private static LabelingProject? ReadProject(NodeReader reader, YamlMappingNode item, string at, IReadOnlyList<SourceDefinition> sources)
    {
        reader.RejectUnknown(item, at, ["name", "source", "fields", "annotators", "overlap", "gold", "agreement", "consensus", "adjudicate_below"]);
        var name = reader.RequiredString(item, "name", at);
        if (name is not null && !ProjectName().IsMatch(name))
        {
            reader.Error(NodeReader.Child(item, "name")!, at + ".name", "lower-case letters, digits and dashes (up to 63)", name);
        }

        var (dataset, filter, reviewBatches, sample, seed) = ReadSource(reader, item, at, sources);
        var defaults = reader.Mapping(item, "agreement", at);
        if (defaults is not null)
        {
            reader.RejectUnknown(defaults, at + ".agreement", ["statistic", "publish", "tentative"]);
        }

        var (statistic, publish, tentative) = defaults is null
            ? (AgreementStatistic.KrippendorffAlpha, DefaultPublish, DefaultTentative)
            : ReadAgreement(reader, defaults, at + ".agreement", (AgreementStatistic.KrippendorffAlpha, DefaultPublish, DefaultTentative));
        var fields = new List<LabelField>();
        if (NodeReader.Child(item, "fields") is not { } fieldList)
        {
            reader.Error(item, at + ".fields", "a list of label fields", "nothing");
        }
        else
        {
            reader.EachMapping(fieldList, at + ".fields", "a list of label fields", "a mapping with name and kind", (node, fieldAt) =>
            {
                if (ReadField(reader, node, fieldAt, (statistic, publish, tentative)) is { } field)
                {
                    if (fields.Any(f => f.Name == field.Name))
                    {
                        reader.Error(NodeReader.Child(node, "name")!, fieldAt + ".name", "a name no other field of the project has", field.Name);
                    }
                    else
                    {
                        fields.Add(field);
                    }
                }
            });
            if (fieldList is YamlSequenceNode { Children.Count: 0 })
            {
                reader.Error(fieldList, at + ".fields", "at least one label field", "an empty list");
            }
        }

        var annotators = reader.StringList(item, "annotators", at);
        if (NodeReader.Child(item, "annotators") is null)
        {
            reader.Error(item, at + ".annotators", "a list of annotator names", "nothing");
        }
        else if (annotators.Count < 2 || annotators.Distinct(StringComparer.Ordinal).Count() != annotators.Count || annotators.Any(a => a.Length == 0))
        {
            reader.Error(NodeReader.Child(item, "annotators")!, at + ".annotators", "two or more distinct, non-empty names", string.Join(", ", annotators));
        }

        var overlap = reader.Integer(item, "overlap", at, 2, 1) ?? 2;
        if (annotators.Count >= 2 && overlap > annotators.Count)
        {
            reader.Error(NodeReader.Child(item, "overlap")!, at + ".overlap", $"at most the number of annotators ({annotators.Count})", overlap.ToString(CultureInfo.InvariantCulture));
        }

        double goldShare = 0, minAccuracy = 0;
        var goldSource = $"{name}/gold.jsonl";
        if (reader.Mapping(item, "gold", at) is { } gold)
        {
            reader.RejectUnknown(gold, at + ".gold", ["share", "source", "min_accuracy"]);
            goldShare = reader.Number(gold, "share", at + ".gold", 0, 0, 0.5);
            goldSource = reader.OptionalString(gold, "source", at + ".gold") ?? goldSource;
            minAccuracy = reader.Number(gold, "min_accuracy", at + ".gold", 0, 0, 1);
        }

        var consensus = reader.Enum(item, "consensus", at, ConsensusMethod.MajorityVote, Methods);
        var adjudicateBelow = reader.Number(item, "adjudicate_below", at, 0.6, 0, 1);
        return name is null ? null : new LabelingProject(name, dataset, filter, reviewBatches, sample, seed, fields, annotators, overlap, goldShare, goldSource, minAccuracy, consensus, adjudicateBelow);
    }

    private static (string? Dataset, string? Filter, bool ReviewBatches, int? Sample, int Seed) ReadSource(NodeReader reader, YamlMappingNode item, string at, IReadOnlyList<SourceDefinition> sources)
    {
        var sourceAt = at + ".source";
        if (reader.Mapping(item, "source", at) is not { } source)
        {
            if (NodeReader.Child(item, "source") is null)
            {
                reader.Error(item, sourceAt, "a mapping with dataset (a source of this lifecycle) or review_batches: true", "nothing");
            }

            return (null, null, false, null, 1);
        }

        reader.RejectUnknown(source, sourceAt, ["dataset", "filter", "review_batches", "sample", "seed"]);
        var dataset = reader.OptionalString(source, "dataset", sourceAt);
        var reviewBatches = reader.Boolean(source, "review_batches", sourceAt, false);
        if ((dataset is null) == !reviewBatches)
        {
            reader.Error(source, sourceAt, "either dataset (a source of this lifecycle) or review_batches: true", dataset is null ? "neither" : "both");
        }

        var definition = dataset is null ? null : sources.FirstOrDefault(s => s.Name == dataset);
        if (dataset is not null && definition is null)
        {
            reader.Error(NodeReader.Child(source, "dataset")!, sourceAt + ".dataset", "a source of this lifecycle (" + string.Join(", ", sources.Select(s => s.Name)) + ")", dataset);
        }

        var filter = reader.OptionalString(source, "filter", sourceAt);
        if (filter is not null)
        {
            if (LabelingFilter.TryParse(filter) is not { } parsed)
            {
                reader.Error(NodeReader.Child(source, "filter")!, sourceAt + ".filter", "<field> == <value> or <field> != <value>", filter);
            }
            else if (definition is not null && definition.Schema.All(f => f.Name != parsed.Field))
            {
                reader.Error(NodeReader.Child(source, "filter")!, sourceAt + ".filter", "a field of source " + dataset, parsed.Field);
            }
        }

        var sample = reader.Integer(source, "sample", sourceAt, null, 1);
        var seed = reader.Integer(source, "seed", sourceAt, 1, 0) ?? 1;
        return (dataset, filter, reviewBatches, sample, seed);
    }

    private static LabelField? ReadField(NodeReader reader, YamlMappingNode node, string at, (AgreementStatistic Statistic, double Publish, double Tentative) defaults)
    {
        reader.RejectUnknown(node, at, ["name", "kind", "values", "min", "max", "statistic", "metric", "publish", "tentative"]);
        var name = reader.RequiredString(node, "name", at);
        if (NodeReader.Child(node, "kind") is null)
        {
            reader.Error(node, at + ".kind", "one of " + string.Join(", ", Kinds.Keys), "nothing");
        }

        var kind = reader.Enum(node, "kind", at, LabelFieldKind.Categorical, Kinds);
        var values = reader.StringList(node, "values", at);
        var listed = kind is LabelFieldKind.Categorical or LabelFieldKind.MultiLabel or LabelFieldKind.Ordinal;
        if (listed && (values.Count < 2 || values.Distinct(StringComparer.Ordinal).Count() != values.Count || values.Any(v => v.Length == 0)))
        {
            reader.Error(NodeReader.Child(node, "values") ?? node, at + ".values", $"two or more distinct values for a {SnakeCase.Of(kind)} field", values.Count == 0 ? "nothing" : string.Join(", ", values));
        }
        else if (!listed && NodeReader.Child(node, "values") is { } extra)
        {
            reader.Error(extra, at + ".values", $"no values for a {SnakeCase.Of(kind)} field", "a list");
        }

        var min = reader.OptionalNumber(node, "min", at);
        var max = reader.OptionalNumber(node, "max", at);
        if ((min is not null || max is not null) && kind != LabelFieldKind.Numeric)
        {
            reader.Error(NodeReader.Child(node, "min") ?? NodeReader.Child(node, "max")!, at, "min and max only on a numeric field", SnakeCase.Of(kind));
        }
        else if (min >= max)
        {
            reader.Error(NodeReader.Child(node, "max")!, at + ".max", $"more than min ({min.Value.ToString(CultureInfo.InvariantCulture)})", max.Value.ToString(CultureInfo.InvariantCulture));
        }

        var (statistic, publish, tentative) = ReadAgreement(reader, node, at, defaults);
        var metric = reader.Enum(node, "metric", at, kind switch { LabelFieldKind.Ordinal => AlphaMetric.Ordinal, LabelFieldKind.Numeric => AlphaMetric.Interval, _ => AlphaMetric.Nominal }, Metrics);
        if (metric is AlphaMetric.Interval or AlphaMetric.Ratio && kind != LabelFieldKind.Numeric
            || metric == AlphaMetric.Ordinal && kind is not (LabelFieldKind.Ordinal or LabelFieldKind.Numeric))
        {
            reader.Error(NodeReader.Child(node, "metric")!, at + ".metric", $"a metric for a {SnakeCase.Of(kind)} field (" + (kind == LabelFieldKind.Ordinal ? "nominal or ordinal" : "nominal") + ")", SnakeCase.Of(metric));
        }

        if (kind == LabelFieldKind.Numeric && statistic != AgreementStatistic.KrippendorffAlpha)
        {
            reader.Error(NodeReader.Child(node, "statistic") ?? node, at + ".statistic", "krippendorff_alpha for a numeric field (kappas and AC1 need categories)", SnakeCase.Of(statistic));
        }

        return name is null ? null : new LabelField(name, kind, values, min, max, statistic, metric, publish, tentative);
    }

    private static (AgreementStatistic, double, double) ReadAgreement(NodeReader reader, YamlMappingNode node, string at, (AgreementStatistic Statistic, double Publish, double Tentative) defaults)
    {
        var statistic = reader.Enum(node, "statistic", at, defaults.Statistic, Statistics);
        var publish = reader.Number(node, "publish", at, defaults.Publish, -1, 1);
        var tentative = reader.Number(node, "tentative", at, Math.Min(defaults.Tentative, publish), -1, 1);
        if (tentative > publish)
        {
            reader.Error(NodeReader.Child(node, "tentative")!, at + ".tentative", $"at most publish ({publish.ToString(CultureInfo.InvariantCulture)})", tentative.ToString(CultureInfo.InvariantCulture));
        }

        return (statistic, publish, tentative);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectName();
}
