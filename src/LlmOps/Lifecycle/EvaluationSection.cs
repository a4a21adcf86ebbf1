using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>evaluation</c> section (<see cref="EvaluationSettings"/>).</summary>
internal static class EvaluationSection
{
    public static EvaluationSettings Read(NodeReader reader, YamlMappingNode root)
    {
        var defaults = EvaluationSettings.Default;
        if (reader.Mapping(root, "evaluation", "") is not { } section)
        {
            return defaults;
        }

        reader.RejectUnknown(section, "evaluation", ["dataset", "k", "concurrency", "judge", "regex", "json_schema", "expected_field"]);
        var regex = reader.OptionalString(section, "regex", "evaluation");
        if (regex is not null && !NodeReader.IsValidRegex(regex, out var problem))
        {
            reader.Error(NodeReader.Child(section, "regex")!, "evaluation.regex", "a valid regular expression", problem);
        }

        var schema = reader.OptionalString(section, "json_schema", "evaluation");
        if (schema is not null)
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(schema);
            }
            catch (System.Text.Json.JsonException ex)
            {
                reader.Error(NodeReader.Child(section, "json_schema")!, "evaluation.json_schema", "a JSON Schema as a JSON string", ex.Message);
            }
        }

        var judge = reader.OptionalString(section, "judge", "evaluation");
        if (judge is not null && !judge.StartsWith("prompt:", StringComparison.Ordinal))
        {
            reader.Error(NodeReader.Child(section, "judge")!, "evaluation.judge", "a registered prompt (prompt:<name>, prompt:<name>/<n> or prompt:<name>@<alias>)", judge);
        }

        return new EvaluationSettings(
            reader.OptionalString(section, "dataset", "evaluation"),
            reader.Integer(section, "k", "evaluation", defaults.K, 1) ?? defaults.K,
            reader.Integer(section, "concurrency", "evaluation", defaults.Concurrency, 1) ?? defaults.Concurrency,
            judge,
            regex,
            schema,
            reader.OptionalString(section, "expected_field", "evaluation"));
    }
}
