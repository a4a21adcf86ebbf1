using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>guardrails</c> section: <c>input</c> (pii, injection, max_tokens) and <c>output</c> (pii, citations, blocked_terms, json_schema).</summary>
internal static class GuardrailsSection
{
    private static readonly Dictionary<string, string> PiiActions = Names(GuardActions.Off, GuardActions.Flag, GuardActions.Redact, GuardActions.Block);
    private static readonly Dictionary<string, string> RuleActions = Names(GuardActions.Off, GuardActions.Flag, GuardActions.Block);

    public static GuardrailsSettings Read(NodeReader reader, YamlMappingNode root)
    {
        if (reader.Mapping(root, "guardrails", "") is not { } section)
        {
            return GuardrailsSettings.Default;
        }

        reader.RejectUnknown(section, "guardrails", ["input", "output"]);
        var input = InputGuardrails.Default;
        if (reader.Mapping(section, "input", "guardrails") is { } i)
        {
            reader.RejectUnknown(i, "guardrails.input", ["pii", "injection", "max_tokens"]);
            input = new InputGuardrails(
                reader.Enum(i, "pii", "guardrails.input", input.Pii, PiiActions),
                reader.Enum(i, "injection", "guardrails.input", input.Injection, RuleActions),
                reader.Integer(i, "max_tokens", "guardrails.input", null, 1));
        }

        var output = OutputGuardrails.Default;
        if (reader.Mapping(section, "output", "guardrails") is { } o)
        {
            reader.RejectUnknown(o, "guardrails.output", ["pii", "citations", "blocked_terms", "json_schema"]);
            var schema = reader.OptionalString(o, "json_schema", "guardrails.output");
            if (schema is not null && !IsJsonObject(schema, out var problem))
            {
                reader.Error(NodeReader.Child(o, "json_schema")!, "guardrails.output.json_schema", "a JSON Schema (a JSON object)", problem);
                schema = null;
            }

            var terms = reader.StringList(o, "blocked_terms", "guardrails.output");
            if (terms.Any(t => t.Trim().Length == 0))
            {
                reader.Error(NodeReader.Child(o, "blocked_terms")!, "guardrails.output.blocked_terms", "non-empty terms", "an empty term");
            }

            output = new OutputGuardrails(
                reader.Enum(o, "pii", "guardrails.output", output.Pii, PiiActions),
                reader.Enum(o, "citations", "guardrails.output", output.Citations, RuleActions),
                [.. terms.Select(t => t.Trim()).Where(t => t.Length > 0)],
                schema);
        }

        return new GuardrailsSettings(input, output);
    }

    private static bool IsJsonObject(string text, out string? problem)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            problem = document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object ? null : document.RootElement.ValueKind.ToString();
            return problem is null;
        }
        catch (System.Text.Json.JsonException ex)
        {
            problem = ex.Message;
            return false;
        }
    }

    private static Dictionary<string, string> Names(params string[] names) => names.ToDictionary(n => n, n => n, StringComparer.Ordinal);
}
