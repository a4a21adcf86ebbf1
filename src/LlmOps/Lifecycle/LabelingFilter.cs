using System.Globalization;
using System.Text.RegularExpressions;

namespace LlmOps.Lifecycle;

/// <summary>
/// A labeling project's item filter, <c>field == value</c> or <c>field != value</c> (value optionally quoted): the
/// one condition a task set needs to pick records from a dataset version, compared as text.
/// </summary>
public sealed partial record LabelingFilter(string Field, bool Equal, string Value)
{
    public static LabelingFilter? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var value = match.Groups["value"].Value.Trim();
        if (value.Length >= 2 && value[0] == value[^1] && value[0] is '\'' or '"')
        {
            value = value[1..^1];
        }

        return new LabelingFilter(match.Groups["field"].Value, match.Groups["op"].Value == "==", value);
    }

    public bool Matches(IReadOnlyDictionary<string, object?> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var actual = record.TryGetValue(Field, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
        return string.Equals(actual, Value, StringComparison.Ordinal) == Equal;
    }

    [GeneratedRegex(@"^\s*(?<field>[A-Za-z_][A-Za-z0-9_.-]*)\s*(?<op>==|!=)\s*(?<value>.+?)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
