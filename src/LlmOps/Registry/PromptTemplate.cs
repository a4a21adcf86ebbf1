using System.Text.RegularExpressions;
using LlmOps.Errors;

namespace LlmOps.Registry;

/// <summary>Prompt templates with <c>{{variable}}</c> placeholders.</summary>
public static partial class PromptTemplate
{
    /// <summary>The distinct variable names of <paramref name="template"/>, in order of first use.</summary>
    public static IReadOnlyList<string> Variables(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return [.. Placeholder().Matches(template).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Fills every placeholder; a variable without a value is an error naming it.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var missing = Variables(template).Where(v => !values.ContainsKey(v)).ToList();
        if (missing.Count > 0)
        {
            throw LlmOpsException.Invalid($"The template needs a value for: {string.Join(", ", missing)}.");
        }

        return Placeholder().Replace(template, m => values[m.Groups[1].Value]);
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
