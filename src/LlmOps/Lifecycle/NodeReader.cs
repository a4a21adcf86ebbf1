using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>Typed reads from YAML mappings that record an error (with position) instead of throwing.</summary>
internal sealed class NodeReader(List<LifecycleError> errors)
{
    public void Error(YamlNode node, string field, string expected, string? found) =>
        errors.Add(new LifecycleError((int)node.Start.Line, (int)node.Start.Column, field, expected, found));

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public void RejectUnknown(YamlMappingNode map, string at, IReadOnlyCollection<string> known)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(name))
            {
                Error(key, Join(at, name), "one of " + string.Join(", ", known), $"unknown field '{name}'");
            }
        }
    }

    public string? RequiredString(YamlMappingNode map, string key, string at)
    {
        var value = OptionalString(map, key, at);
        if (value is null && Child(map, key) is null)
        {
            Error(map, Join(at, key), "a value", "nothing");
        }
        else if (value is { Length: 0 })
        {
            Error(Child(map, key)!, Join(at, key), "a non-empty value", "an empty one");
            return null;
        }

        return value;
    }

    public string? OptionalString(YamlMappingNode map, string key, string at)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? "";
        }

        Error(node, Join(at, key), "a text value", Describe(node));
        return null;
    }

    public YamlMappingNode? Mapping(YamlMappingNode map, string key, string at)
    {
        var node = Child(map, key);
        if (node is null or YamlMappingNode)
        {
            return node as YamlMappingNode;
        }

        Error(node, Join(at, key), "a mapping", Describe(node));
        return null;
    }

    public bool Boolean(YamlMappingNode map, string key, string at, bool fallback)
    {
        var text = OptionalString(map, key, at);
        if (text is null)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(Child(map, key)!, Join(at, key), "true or false", $"'{text}'");
        return fallback;
    }

    public int? Integer(YamlMappingNode map, string key, string at, int? fallback, int min)
    {
        var text = OptionalString(map, key, at);
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min)
        {
            return value;
        }

        Error(Child(map, key)!, Join(at, key), $"a whole number of at least {min}", $"'{text}'");
        return fallback;
    }

    public double Number(YamlMappingNode map, string key, string at, double fallback, double min, double max)
    {
        var text = OptionalString(map, key, at);
        if (text is null)
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(Child(map, key)!, Join(at, key), $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}", $"'{text}'");
        return fallback;
    }

    public double? OptionalNumber(YamlMappingNode map, string key, string at)
    {
        var text = OptionalString(map, key, at);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(Child(map, key)!, Join(at, key), "a number", $"'{text}'");
        return null;
    }

    public T Enum<T>(YamlMappingNode map, string key, string at, T fallback, IReadOnlyDictionary<string, T> names)
    {
        var text = OptionalString(map, key, at);
        if (text is null)
        {
            return fallback;
        }

        if (names.TryGetValue(text, out var value))
        {
            return value;
        }

        Error(Child(map, key)!, Join(at, key), "one of " + string.Join(", ", names.Keys), $"'{text}'");
        return fallback;
    }

    public List<string> StringList(YamlMappingNode map, string key, string at)
    {
        var node = Child(map, key);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode list || list.Children.Any(c => c is not YamlScalarNode))
        {
            Error(node, Join(at, key), "a list of text values", Describe(node));
            return [];
        }

        return list.Children.Cast<YamlScalarNode>().Select(c => c.Value ?? "").ToList();
    }

    private static string Join(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";

    /// <summary>
    /// Reads a list of mappings, the shape of sources, rules, signals, gates and custom patterns: each item that is a
    /// mapping goes to <paramref name="read"/> with its path (<c>at[i]</c>); anything else is an error naming
    /// <paramref name="item"/>, and a value that is not a list is an error naming <paramref name="list"/>.
    /// </summary>
    public void EachMapping(YamlNode node, string at, string list, string item, Action<YamlMappingNode, string> read)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, at, list, Describe(node));
            return;
        }

        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var itemAt = $"{at}[{i}]";
            if (sequence.Children[i] is YamlMappingNode mapping)
            {
                read(mapping, itemAt);
            }
            else
            {
                Error(sequence.Children[i], itemAt, item, Describe(sequence.Children[i]));
            }
        }
    }

    /// <summary>How a node that is not what was expected reads in an error.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };

    /// <summary>Whether a pattern compiles as a .NET regular expression, and why not.</summary>
    public static bool IsValidRegex(string pattern, out string? problem)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            problem = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
            return false;
        }
    }
}
