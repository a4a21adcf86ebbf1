using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using LlmOps.Errors;

namespace LlmOps.Samples;

/// <summary>
/// A real retrieval corpus every machine with the .NET SDK has: the reference packs' XML API documentation
/// (<c>packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/&lt;tfm&gt;/*.xml</c>), one record per documented type,
/// method, property, field or event, with its summary, remarks, parameters and return value flattened to text
/// (<c>&lt;see cref&gt;</c> becomes the short name it points at, <c>langword</c> the keyword).
/// </summary>
public static partial class ApiDocsCorpus
{
    /// <summary>The newest reference pack's XML folder under the SDK that runs this process, or under <paramref name="dotnetRoot"/>.</summary>
    public static string FindReferenceDocs(string? dotnetRoot = null)
    {
        var root = dotnetRoot ?? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var packs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
        var folder = Directory.Exists(packs)
            ? Directory.GetDirectories(packs)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0))
                .SelectMany(d => Directory.Exists(Path.Combine(d, "ref")) ? Directory.GetDirectories(Path.Combine(d, "ref")).OrderDescending(StringComparer.Ordinal) : Enumerable.Empty<string>())
                .FirstOrDefault(d => Directory.EnumerateFiles(d, "*.xml").Any())
            : null;
        return folder ?? throw LlmOpsException.NotFound($"No XML API documentation under {packs}: the api-docs sample needs the .NET SDK's reference pack (Microsoft.NETCore.App.Ref).");
    }

    /// <summary>Every member of the XML files in <paramref name="folder"/> whose summary has at least <paramref name="minSummaryWords"/> words, in file and document order.</summary>
    public static IReadOnlyList<ApiDocMember> Load(string folder, int minSummaryWords = 6)
    {
        var members = new List<ApiDocMember>();
        foreach (var file in Directory.GetFiles(folder, "*.xml").Order(StringComparer.Ordinal))
        {
            XDocument document;
            try
            {
                document = XDocument.Load(file);
            }
            catch (XmlException)
            {
                continue; // Not documentation (or damaged): the corpus is what parses.
            }

            var assembly = (string?)document.Root?.Element("assembly")?.Element("name") ?? Path.GetFileNameWithoutExtension(file);
            foreach (var element in document.Descendants("member"))
            {
                if ((string?)element.Attribute("name") is not { Length: > 2 } id || id[1] != ':' || "TMPFE".IndexOf(id[0], StringComparison.Ordinal) < 0)
                {
                    continue;
                }

                var summary = Flatten(element.Element("summary"));
                if (WordCount(summary) < minSummaryWords)
                {
                    continue;
                }

                var (type, member) = Names(id);
                var parameters = string.Join("; ", element.Elements("param").Select(p => $"{(string?)p.Attribute("name")}: {Flatten(p)}"));
                var returns = Flatten(element.Element("returns"));
                members.Add(new ApiDocMember(id, assembly, Kind(id[0]), type, member, summary, Flatten(element.Element("remarks")), parameters, returns));
            }
        }

        return members;
    }

    /// <summary>The XML doc text as one line: references as their short names, keywords as written.</summary>
    internal static string Flatten(XElement? element)
    {
        if (element is null)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            text.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "see" or "seealso" } see => (string?)see.Attribute("langword") ?? ShortName((string?)see.Attribute("cref") ?? (string?)see.Attribute("href") ?? ""),
                XElement { Name.LocalName: "paramref" or "typeparamref" } reference => (string?)reference.Attribute("name") ?? "",
                XElement child => " " + Flatten(child) + " ",
                _ => "",
            });
        }

        return Whitespace().Replace(text.ToString(), " ").Trim();
    }

    /// <summary>The type a member id belongs to (its own name for a type) and the member's name, generic arity removed.</summary>
    internal static (string Type, string Member) Names(string id)
    {
        var name = Arity().Replace(id[2..].Split('(')[0], "");
        var dot = name.LastIndexOf('.');
        return id[0] == 'T' ? (name, dot < 0 ? name : name[(dot + 1)..]) : (dot < 0 ? "" : name[..dot], name[(dot + 1)..]);
    }

    /// <summary>The words of an identifier or text, lower case: PascalCase and camelCase split, digits kept.</summary>
    internal static IEnumerable<string> Words(string text) =>
        NonWord().Split(CaseBoundary().Replace(text, "$1 $2")).Where(w => w.Length > 0).Select(w => w.ToLowerInvariant());

    private static string ShortName(string cref)
    {
        var name = Arity().Replace((cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref).Split('(')[0], "");
        return name[(name.LastIndexOf('.') + 1)..];
    }

    private static string Kind(char prefix) => prefix switch
    {
        'T' => "type",
        'M' => "method",
        'P' => "property",
        'F' => "field",
        _ => "event",
    };

    private static int WordCount(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex("`+\\d+")]
    private static partial Regex Arity();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex CaseBoundary();

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonWord();
}

/// <summary>One documented API member of the corpus.</summary>
public sealed record ApiDocMember(string Id, string Assembly, string Kind, string Type, string Member, string Summary, string Remarks, string Parameters, string Returns)
{
    /// <summary>The text a retriever indexes: the member's name and kind, then its documentation.</summary>
    public string Text
    {
        get
        {
            var text = new StringBuilder($"{Type}.{Member} ({Kind}): {Summary}");
            foreach (var (label, part) in new[] { ("Parameters", Parameters), ("Returns", Returns), ("Remarks", Remarks) })
            {
                if (part.Length > 0)
                {
                    text.Append(' ').Append(label).Append(": ").Append(part);
                }
            }

            return text.ToString();
        }
    }
}
