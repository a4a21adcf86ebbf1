using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>preprocessing</c> section: version, cleaning, PII redaction, dedup and chunking.</summary>
internal static class PreprocessingSection
{
    public static PreprocessingSettings Read(NodeReader reader, YamlMappingNode root)
    {
        var defaults = PreprocessingSettings.Default;
        if (NodeReader.Child(root, "preprocessing") is not { } node)
        {
            return defaults;
        }

        if (node is not YamlMappingNode pre)
        {
            reader.Error(node, "preprocessing", "a mapping with version, clean, pii, dedup and chunking", NodeReader.Describe(node));
            return defaults;
        }

        reader.RejectUnknown(pre, "preprocessing", ["version", "clean", "pii", "dedup", "chunking"]);
        var version = reader.RequiredString(pre, "version", "preprocessing") ?? defaults.Version;
        var normalize = defaults.NormalizeUnicode;
        var stripHtml = defaults.StripHtml;
        if (reader.Mapping(pre, "clean", "preprocessing") is { } clean)
        {
            reader.RejectUnknown(clean, "preprocessing.clean", ["normalize_unicode", "strip_html"]);
            normalize = reader.Boolean(clean, "normalize_unicode", "preprocessing.clean", normalize);
            stripHtml = reader.Boolean(clean, "strip_html", "preprocessing.clean", stripHtml);
        }

        var redact = defaults.Redact;
        var types = defaults.PiiTypes;
        var custom = new List<CustomPiiPattern>();
        if (reader.Mapping(pre, "pii", "preprocessing") is { } pii)
        {
            reader.RejectUnknown(pii, "preprocessing.pii", ["redact", "types", "custom"]);
            redact = reader.Boolean(pii, "redact", "preprocessing.pii", redact);
            if (NodeReader.Child(pii, "types") is not null)
            {
                types = reader.StringList(pii, "types", "preprocessing.pii");
                foreach (var unknown in types.Where(t => !PreprocessingSettings.KnownPiiTypes.Contains(t)))
                {
                    reader.Error(NodeReader.Child(pii, "types")!, "preprocessing.pii.types", "types from " + string.Join(", ", PreprocessingSettings.KnownPiiTypes), unknown);
                }
            }

            if (NodeReader.Child(pii, "custom") is { } customList)
            {
                reader.EachMapping(customList, "preprocessing.pii.custom", "a list of {name, pattern}", "a mapping with name and pattern", (item, at) =>
                {
                    reader.RejectUnknown(item, at, ["name", "pattern"]);
                    var name = reader.RequiredString(item, "name", at);
                    var pattern = reader.RequiredString(item, "pattern", at);
                    if (name is not null && !Regex.IsMatch(name, "^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant))
                    {
                        reader.Error(NodeReader.Child(item, "name")!, at + ".name", "lower-case letters, digits and '_'", name);
                    }

                    if (pattern is not null && !NodeReader.IsValidRegex(pattern, out var problem))
                    {
                        reader.Error(NodeReader.Child(item, "pattern")!, at + ".pattern", "a .NET regular expression", problem);
                    }

                    if (name is not null && pattern is not null)
                    {
                        custom.Add(new CustomPiiPattern(name, pattern));
                    }
                });
            }
        }

        var dedup = reader.Boolean(pre, "dedup", "preprocessing", defaults.Dedup);
        var tokenizer = defaults.Tokenizer;
        var chunkTokens = defaults.ChunkTokens;
        var overlap = defaults.ChunkOverlap;
        if (reader.Mapping(pre, "chunking", "preprocessing") is { } chunking)
        {
            reader.RejectUnknown(chunking, "preprocessing.chunking", ["tokenizer", "max_tokens", "overlap"]);
            tokenizer = reader.Enum(chunking, "tokenizer", "preprocessing.chunking", tokenizer, new Dictionary<string, string>
            {
                ["cl100k_base"] = "cl100k_base", ["o200k_base"] = "o200k_base",
            });
            chunkTokens = reader.Integer(chunking, "max_tokens", "preprocessing.chunking", chunkTokens, PreprocessingSettings.MinChunkTokens) ?? chunkTokens;
            overlap = reader.Integer(chunking, "overlap", "preprocessing.chunking", overlap, 0) ?? overlap;
            if (overlap >= chunkTokens)
            {
                reader.Error(NodeReader.Child(chunking, "overlap") ?? chunking, "preprocessing.chunking.overlap", $"less than max_tokens ({chunkTokens})", overlap.ToString(CultureInfo.InvariantCulture));
            }
        }

        return new PreprocessingSettings(version, normalize, stripHtml, redact, types, custom, dedup, tokenizer, chunkTokens, overlap);
    }
}
