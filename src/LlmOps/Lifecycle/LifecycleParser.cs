using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>
/// Reads and validates a lifecycle file. Every problem is reported with its line, column, field path and what was
/// expected, all at once, so one edit fixes them all.
/// </summary>
public static class LifecycleParser
{
    private static readonly string[] TopLevel = ["feature", "sources", "quality", "preprocessing", "gates", "embedding", "drift", "labeling", "evaluation", "costs", "notify", "budgets", "governance", "retention", "guardrails"];
    private static readonly string[] OpenSections = ["owners", "experiments", "description", "version"];

    public static LifecycleDefinition Parse(string yaml, string source = "lifecycle.yaml")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new LifecycleValidationException(source, [new LifecycleError((int)ex.Start.Line, (int)ex.Start.Column, "(document)", "valid YAML", ex.InnerException?.Message ?? ex.Message)]);
        }

        var errors = new List<LifecycleError>();
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new LifecycleValidationException(source, [new LifecycleError(1, 1, "(document)", "one YAML mapping with feature, sources, quality and preprocessing", null)]);
        }

        var reader = new NodeReader(errors);
        reader.RejectUnknown(root, "", [.. TopLevel, .. OpenSections]);
        var feature = reader.RequiredString(root, "feature", "") ?? "";
        if (feature.Length > 0 && !Regex.IsMatch(feature, "^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant))
        {
            reader.Error(NodeReader.Child(root, "feature")!, "feature", "lower-case letters, digits and dashes (up to 63)", feature);
        }

        // One reader per section; each reports its problems into the same list, so every problem shows at once.
        var sources = SourcesSection.Read(reader, root);
        var quality = QualitySection.Read(reader, root, sources);
        var preprocessing = PreprocessingSection.Read(reader, root);
        var (gates, evaluationGates, canaryGates) = GatesSection.Read(reader, root);
        var embedding = EmbeddingSection.Read(reader, root);
        var drift = DriftSection.Read(reader, root);
        var labeling = LabelingSection.Read(reader, root, sources);
        var evaluation = EvaluationSection.Read(reader, root);
        var costs = CostsSection.Read(reader, root);
        var notify = NotifySection.Read(reader, root);
        var budgets = BudgetsSection.Read(reader, root);
        var governance = GovernanceSection.Read(reader, root);
        var retention = RetentionSection.Read(reader, root);
        var guardrails = GuardrailsSection.Read(reader, root);
        if (errors.Count > 0)
        {
            throw new LifecycleValidationException(source, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        var others = root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).Where(k => OpenSections.Contains(k)).ToList();
        return new LifecycleDefinition(feature, sources, quality, preprocessing, gates, embedding, drift, labeling, others) { Evaluation = evaluation, EvaluationGates = evaluationGates, CanaryGates = canaryGates, Costs = costs, Notify = notify, Budgets = budgets, Governance = governance, Retention = retention, Guardrails = guardrails };
    }

    public static async Task<LifecycleDefinition> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        Parse(await File.ReadAllTextAsync(path, cancellationToken), Path.GetFileName(path));

    /// <summary>A duration as <c>30m</c>, <c>24h</c> or <c>7d</c>, or null.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Regex.Match(text.Trim(), "^([0-9]+)(m|h|d)$", RegexOptions.CultureInvariant);
        if (!match.Success)
        {
            return null;
        }

        var amount = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "m" => TimeSpan.FromMinutes(amount), "h" => TimeSpan.FromHours(amount), _ => TimeSpan.FromDays(amount) };
    }
}
