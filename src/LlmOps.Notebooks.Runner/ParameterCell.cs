using System.Globalization;
using System.Text;
using Microsoft.DotNet.Interactive.ValueSharing;

namespace LlmOps.Notebooks.Runner;

/// <summary>
/// Papermill's parameters for C#: the -p values become assignments to the parameters cell's variables, each written as a
/// literal of the variable's type (the kernel reports the types through its value infos).
/// </summary>
internal static class ParameterCell
{
    public static string Inject(IReadOnlyList<KeyValuePair<string, string>> parameters, IReadOnlyCollection<KernelValueInfo> variables)
    {
        var code = new StringBuilder("// Parameters injected by llmops notebook run\n");
        foreach (var (name, value) in parameters)
        {
            var variable = variables.LastOrDefault(v => v.Name == name)
                ?? throw new ArgumentException($"-p {name}: the parameters cell declares no '{name}' (it declares: {string.Join(", ", variables.Select(v => v.Name).Distinct())}).");
            var type = variable.Type;
            var literal = type switch
            {
                _ when type == typeof(string) => Quote(value),
                _ when type == typeof(bool) => bool.TryParse(value, out var b) ? (b ? "true" : "false") : null,
                _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : null,
                _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) + "L" : null,
                _ when type == typeof(double) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("R", CultureInfo.InvariantCulture) + "d" : null,
                _ => throw new ArgumentException($"-p {name}: its variable is a {type?.Name ?? variable.TypeName}; parameters can be string, bool, int, long or double."),
            };
            code.Append(CultureInfo.InvariantCulture, $"{name} = {literal ?? throw new ArgumentException($"-p {name}={value}: not a valid {type!.Name}.")};\n");
        }

        return code.ToString();
    }

    /// <summary>A C# verbatim-free string literal: quotes, backslashes and control characters escaped.</summary>
    internal static string Quote(string value)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in value)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return literal.Append('"').ToString();
    }
}
