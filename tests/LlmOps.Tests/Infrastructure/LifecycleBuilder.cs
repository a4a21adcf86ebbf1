using System.Text;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Infrastructure;

/// <summary>
/// Lifecycle YAML for tests, one source or several, each section added only where a test needs it: tests state what
/// differs from a plain lifecycle instead of repeating the whole file. Parser tests keep their literal YAML.
/// </summary>
public sealed class LifecycleBuilder(string feature)
{
    /// <summary>The field every source has unless told otherwise: the text field, required.</summary>
    public const string Body = "body: { type: string, required: true }";

    /// <summary>A required string id field.</summary>
    public const string Id = "id: { type: string, required: true }";

    private readonly List<string> _sources = [];
    private readonly List<string> _sections = [];

    /// <param name="fields">Schema entries as YAML (<see cref="Id"/>, <see cref="Body"/>, "score: { type: number }"...);
    /// default: <see cref="Id"/> when <paramref name="idField"/> is set, then <see cref="Body"/>.</param>
    /// <param name="options">Further source keys as YAML, e.g. "on_update: quarantine".</param>
    public LifecycleBuilder Source(string name, string? path = null, string? idField = null, string textField = "body", IEnumerable<string>? fields = null, params string[] options)
    {
        var text = new StringBuilder();
        text.Append("  - name: ").Append(name).Append('\n');
        text.Append("    path: ").Append(path ?? $"raw/{name}/").Append('\n');
        if (idField is not null)
        {
            text.Append("    id_field: ").Append(idField).Append('\n');
        }

        text.Append("    text_field: ").Append(textField).Append('\n');
        foreach (var option in options)
        {
            text.Append("    ").Append(option).Append('\n');
        }

        text.Append("    schema:\n");
        foreach (var field in fields ?? (idField is null ? [Body] : [Id, Body]))
        {
            text.Append("      ").Append(field).Append('\n');
        }

        _sources.Add(text.ToString());
        return this;
    }

    /// <summary>A top-level section as YAML starting at column 0, e.g. "gates:\n  promote:\n    - { metric: a, min: 1 }".</summary>
    public LifecycleBuilder Section(string yaml)
    {
        _sections.Add(yaml.TrimEnd() + "\n");
        return this;
    }

    public string Build()
    {
        if (_sources.Count == 0)
        {
            Source(feature);
        }

        return $"feature: {feature}\nsources:\n{string.Concat(_sources)}{string.Concat(_sections)}";
    }

    public LifecycleDefinition Parse() => LifecycleParser.Parse(Build());

    public override string ToString() => Build();
}
