using System.Text.RegularExpressions;

namespace LlmOps.Triggers;

/// <summary>
/// A blob trigger path such as <c>raw/{source}/{name}</c>: a container and a name pattern whose
/// <c>{token}</c>s bind to path segments (the last token takes the rest of the name).
/// </summary>
public sealed partial class BlobPathPattern
{
    private readonly Regex _regex;

    private BlobPathPattern(string container, string namePattern, string prefix, Regex regex, IReadOnlyList<string> tokens)
    {
        Container = container;
        NamePattern = namePattern;
        Prefix = prefix;
        _regex = regex;
        Tokens = tokens;
    }

    public string Container { get; }

    public string NamePattern { get; }

    /// <summary>The literal start of the name pattern: blobs are listed with it.</summary>
    public string Prefix { get; }

    public IReadOnlyList<string> Tokens { get; }

    public static BlobPathPattern Parse(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? path : path[..slash];
        var namePattern = slash < 0 ? "{name}" : path[(slash + 1)..];
        if (!ContainerName().IsMatch(container))
        {
            throw new FormatException($"Blob trigger path '{path}': '{container}' is not a valid container name (3-63 lower-case letters, digits and dashes).");
        }

        if (namePattern.Length == 0)
        {
            namePattern = "{name}";
        }

        var tokens = new List<string>();
        var regex = new System.Text.StringBuilder("^");
        var position = 0;
        foreach (Match token in Token().Matches(namePattern))
        {
            regex.Append(Regex.Escape(namePattern[position..token.Index]));
            var tokenName = token.Groups[1].Value;
            if (tokens.Contains(tokenName))
            {
                throw new FormatException($"Blob trigger path '{path}' uses {{{tokenName}}} twice.");
            }

            tokens.Add(tokenName);
            var isLast = token.Index + token.Length == namePattern.Length;
            regex.Append("(?<").Append(tokenName).Append(isLast ? ">.+)" : ">[^/]+)");
            position = token.Index + token.Length;
        }

        regex.Append(Regex.Escape(namePattern[position..])).Append('$');
        var firstBrace = namePattern.IndexOf('{', StringComparison.Ordinal);
        var prefix = firstBrace < 0 ? namePattern : namePattern[..firstBrace];
        return new BlobPathPattern(container, namePattern, prefix, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline), tokens);
    }

    /// <summary>The token values when <paramref name="blobName"/> matches, otherwise null.</summary>
    public IReadOnlyDictionary<string, string>? Match(string blobName)
    {
        var match = _regex.Match(blobName);
        if (!match.Success)
        {
            return null;
        }

        return Tokens.ToDictionary(t => t, t => match.Groups[t].Value, StringComparer.Ordinal);
    }

    public override string ToString() => $"{Container}/{NamePattern}";

    [GeneratedRegex(@"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Token();
}
