using System.Globalization;
using System.Text;
using LlmOps.Lifecycle;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Notebooks;

/// <summary>
/// A feature's end-to-end MLOps map, read from its lifecycle file: the validated sections (sources, quality,
/// preprocessing, embedding, gates) and the open ones as written (owners, experiments, drift, retention).
/// </summary>
public sealed class LifecycleMap
{
    private LifecycleMap(LifecycleDefinition definition, YamlMappingNode root)
    {
        Definition = definition;
        Owners = Strings(root, "owners");
        Experiments = Child(root, "experiments") as YamlMappingNode;
        Drift = Child(root, "drift") as YamlMappingNode;
        Retention = Strings(root, "retention");
    }

    public LifecycleDefinition Definition { get; }

    public IReadOnlyDictionary<string, string> Owners { get; }

    public YamlMappingNode? Experiments { get; }

    public YamlMappingNode? Drift { get; }

    public IReadOnlyDictionary<string, string> Retention { get; }

    public static LifecycleMap Parse(string yaml)
    {
        var definition = LifecycleParser.Parse(yaml);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new LifecycleMap(definition, (YamlMappingNode)stream.Documents[0].RootNode);
    }

    public static async Task<LifecycleMap> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        Parse(await File.ReadAllTextAsync(path, cancellationToken));

    /// <summary>The experiment logging fields: the params and metrics every run of the feature logs.</summary>
    public IReadOnlyList<string> ExperimentFields(string kind) =>
        Experiments is not null && Child(Experiments, kind) is YamlSequenceNode list ? [.. list.Children.Select(Text)] : [];

    /// <summary>The drift signals as rows: signal, thresholds and the action each triggers.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> DriftSignals() =>
        Drift is not null && Child(Drift, "signals") is YamlSequenceNode list
            ? [.. list.Children.OfType<YamlMappingNode>().Select(m => (IReadOnlyDictionary<string, string>)m.Children.ToDictionary(c => Text(c.Key), c => Text(c.Value), StringComparer.Ordinal))]
            : [];

    /// <summary>One row per lifecycle stage: what it does, its configuration and its owner.</summary>
    public IReadOnlyList<(string Stage, string What, string Configuration, string Owner)> Stages()
    {
        var d = Definition;
        var pre = d.Preprocessing;
        var source = string.Join("; ", d.Sources.Select(s => $"{s.Name}: {s.Path} ({s.Format.ToString().ToLowerInvariant()}, text {s.TextField}, {s.Schema.Count} fields)"));
        var rules = string.Join(", ", d.Quality.Rules.Select(r => $"{r.Kind.ToString().ToLowerInvariant()}({r.Field})"));
        var steps = new StringBuilder();
        steps.Append(CultureInfo.InvariantCulture, $"clean (NFC {pre.NormalizeUnicode}, HTML {pre.StripHtml}); ");
        steps.Append(CultureInfo.InvariantCulture, $"PII {(pre.Redact ? string.Join("/", pre.PiiTypes.Concat(pre.CustomPii.Select(c => c.Name))) : "off")}; ");
        steps.Append(CultureInfo.InvariantCulture, $"dedup {pre.Dedup}; chunk {pre.Tokenizer} {pre.ChunkTokens} tokens, overlap {pre.ChunkOverlap}");
        var gates = d.PromotionGates.Count == 0 ? "none" : string.Join(", ", d.PromotionGates.Select(g => $"{g.Metric} {g.Bounds}"));
        var canary = d.CanaryGates.Count == 0 ? "canary: default gates" : "canary: " + string.Join(", ", d.CanaryGates.Select(g => $"{g.Metric} {Evaluation.ComparisonGate.Requirement(g, Evaluation.CanaryCheck.GreaterIsBetter(g))}"));
        var drift = string.Join(", ", DriftSignals().Select(s => $"{s.GetValueOrDefault("signal")} warn {s.GetValueOrDefault("warn")} alert {s.GetValueOrDefault("alert")} -> {s.GetValueOrDefault("action", "report")}"));
        return
        [
            ("Data sources", "drops under raw/ trigger the ETL", source, Owners.GetValueOrDefault("data", "-")),
            ("Quality", $"quarantine above {d.Quality.MaxQuarantineRate:P0} blocks the version", rules, Owners.GetValueOrDefault("data", "-")),
            ("Preprocessing", $"version {pre.Version}", steps.ToString(), Owners.GetValueOrDefault("data", "-")),
            ("Dataset versions", "dataset:<source>@<content hash>, write-once + manifest", "llmops datasets list|verify|diff", Owners.GetValueOrDefault("data", "-")),
            ("Embeddings", "index:<dataset>/<model>-<dims>, incremental", $"{d.Embedding.Provider} / {d.Embedding.Model} ({d.Embedding.Dimensions} d)", Owners.GetValueOrDefault("model", "-")),
            ("Experiments", "runs log params and metrics", $"params {string.Join(", ", ExperimentFields("params"))}; metrics {string.Join(", ", ExperimentFields("metrics"))}", Owners.GetValueOrDefault("model", "-")),
            ("Release gates", "llmops registry promote refuses below these", gates, Owners.GetValueOrDefault("release", "-")),
            ("Deployment", "deploy:<env>/<id> records, champion alias, canaries promoted or rolled back on production traces", "llmops registry deploy [--canary N]; " + canary, Owners.GetValueOrDefault("release", "-")),
            ("Drift and retraining", Drift is null ? "not configured" : $"schedule {Scalar(Drift, "schedule") ?? "-"}, reference {Scalar(Drift, "reference") ?? "-"}", drift.Length == 0 ? "-" : drift, Owners.GetValueOrDefault("model", "-")),
            ("Retention", "how long raw drops are kept", string.Join(", ", Retention.Select(r => $"{r.Key} {r.Value}")), Owners.GetValueOrDefault("data", "-")),
        ];
    }

    /// <summary>The map as an HTML table.</summary>
    public HtmlView ToHtml()
    {
        var rows = Stages();
        var html = new StringBuilder("<table style=\"border-collapse:collapse;font:13px system-ui,sans-serif\"><thead><tr>");
        foreach (var header in new[] { "Stage", "What happens", "Configuration", "Owner" })
        {
            html.Append(CultureInfo.InvariantCulture, $"<th style=\"border:1px solid #ccd;padding:3px 8px;background:#eef;text-align:left\">{header}</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var (stage, what, configuration, owner) in rows)
        {
            html.Append("<tr>");
            foreach (var cell in new[] { stage, what, configuration, owner })
            {
                html.Append(CultureInfo.InvariantCulture, $"<td style=\"border:1px solid #ccd;padding:3px 8px;vertical-align:top\">{Html.Encode(cell)}</td>");
            }

            html.Append("</tr>");
        }

        var text = string.Join(Environment.NewLine, rows.Select(r => $"{r.Stage}: {r.What} | {r.Configuration} | owner {r.Owner}"));
        return new HtmlView(html.Append("</tbody></table>").ToString(), $"Lifecycle map of {Definition.Feature}" + Environment.NewLine + text);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    private static Dictionary<string, string> Strings(YamlMappingNode root, string key) =>
        Child(root, key) is YamlMappingNode map ? map.Children.ToDictionary(c => Text(c.Key), c => Text(c.Value), StringComparer.Ordinal) : new Dictionary<string, string>();

    private static string Text(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? "",
        YamlSequenceNode list => string.Join(", ", list.Children.Select(Text)),
        YamlMappingNode map => string.Join(", ", map.Children.Select(c => $"{Text(c.Key)}: {Text(c.Value)}")),
        _ => "",
    };
}
