using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>
/// Reads and validates a lifecycle file. Every problem is reported with its line, column, field path and what was
/// expected, all at once, so one edit fixes them all.
/// </summary>
public static class LifecycleParser
{
    private static readonly string[] TopLevel = ["feature", "sources", "quality", "preprocessing", "gates", "embedding", "drift"];
    private static readonly string[] OpenSections = ["owners", "experiments", "retention", "description", "version"];

    public static LifecycleDefinition Parse(string yaml, string source = "lifecycle.yaml")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new LifecycleValidationException(source, [new LifecycleError((int)ex.Start.Line, (int)ex.Start.Column, "(document)", "valid YAML", ex.InnerException?.Message ?? ex.Message)]);
        }

        var errors = new List<LifecycleError>();
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new LifecycleValidationException(source, [new LifecycleError(1, 1, "(document)", "one YAML mapping with feature, sources, quality and preprocessing", null)]);
        }

        var reader = new NodeReader(errors);
        reader.RejectUnknown(root, "", [.. TopLevel, .. OpenSections]);
        var feature = reader.RequiredString(root, "feature", "") ?? "";
        if (feature.Length > 0 && !Regex.IsMatch(feature, "^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant))
        {
            reader.Error(NodeReader.Child(root, "feature")!, "feature", "lower-case letters, digits and dashes (up to 63)", feature);
        }

        var sources = ReadSources(reader, root);
        var quality = ReadQuality(reader, root, sources);
        var preprocessing = ReadPreprocessing(reader, root);
        var gates = ReadGates(reader, root);
        var embedding = ReadEmbedding(reader, root);
        var drift = ReadDrift(reader, root);
        if (errors.Count > 0)
        {
            throw new LifecycleValidationException(source, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        var others = root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!).Where(k => OpenSections.Contains(k)).ToList();
        return new LifecycleDefinition(feature, sources, quality, preprocessing, gates, embedding, drift, others);
    }

    public static async Task<LifecycleDefinition> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        Parse(await File.ReadAllTextAsync(path, cancellationToken), Path.GetFileName(path));

    private static List<SourceDefinition> ReadSources(NodeReader reader, YamlMappingNode root)
    {
        var sources = new List<SourceDefinition>();
        if (NodeReader.Child(root, "sources") is not { } node)
        {
            reader.Error(root, "sources", "a list of sources (name, path, format, schema)", "nothing");
            return sources;
        }

        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            reader.Error(node, "sources", "a non-empty list of sources", Describe(node));
            return sources;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var at = $"sources[{i}]";
            if (list.Children[i] is not YamlMappingNode item)
            {
                reader.Error(list.Children[i], at, "a mapping with name, path, format and schema", Describe(list.Children[i]));
                continue;
            }

            reader.RejectUnknown(item, at, ["name", "path", "format", "id_field", "text_field", "schema", "on_update", "max_decompressed_mb", "max_compression_ratio"]);
            var name = reader.RequiredString(item, "name", at) ?? "";
            if (name.Length > 0 && !Regex.IsMatch(name, "^[a-z0-9][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant))
            {
                reader.Error(NodeReader.Child(item, "name")!, at + ".name", "lower-case letters, digits, '_' and '-'", name);
            }

            if (sources.Any(s => s.Name == name))
            {
                reader.Error(NodeReader.Child(item, "name")!, at + ".name", "a name no other source has", name);
            }

            var path = reader.RequiredString(item, "path", at) ?? "";
            if (path.Length > 0 && !path.StartsWith("raw/", StringComparison.Ordinal))
            {
                reader.Error(NodeReader.Child(item, "path")!, at + ".path", "a path under raw/ (for example raw/tickets/)", path);
            }

            var format = reader.Enum(item, "format", at, SourceFormat.Auto, new Dictionary<string, SourceFormat>
            {
                ["auto"] = SourceFormat.Auto, ["jsonl"] = SourceFormat.Jsonl, ["csv"] = SourceFormat.Csv, ["parquet"] = SourceFormat.Parquet,
            });
            var schema = ReadSchema(reader, item, at);
            var idField = reader.OptionalString(item, "id_field", at);
            var textField = reader.RequiredString(item, "text_field", at) ?? "";
            foreach (var (key, value) in new[] { ("id_field", idField), ("text_field", textField) })
            {
                if (!string.IsNullOrEmpty(value) && schema.Count > 0 && schema.All(f => f.Name != value))
                {
                    reader.Error(NodeReader.Child(item, key)!, $"{at}.{key}", "a field of the schema (" + string.Join(", ", schema.Select(f => f.Name)) + ")", value);
                }
            }

            var onUpdate = reader.Enum(item, "on_update", at, UpdatePolicy.Replace, new Dictionary<string, UpdatePolicy>
            {
                ["replace"] = UpdatePolicy.Replace, ["quarantine"] = UpdatePolicy.Quarantine,
            });
            var limits = new DecompressionLimits(
                (long)(reader.Integer(item, "max_decompressed_mb", at, (int)(DecompressionLimits.Default.MaxBytes >> 20), 1) ?? 0) << 20,
                reader.Number(item, "max_compression_ratio", at, DecompressionLimits.Default.MaxRatio, 2, 1_000_000));
            sources.Add(new SourceDefinition(name, path, format, idField, textField, schema, onUpdate, limits));
        }

        return sources;
    }

    private static List<FieldDefinition> ReadSchema(NodeReader reader, YamlMappingNode source, string at)
    {
        var fields = new List<FieldDefinition>();
        if (NodeReader.Child(source, "schema") is not { } node)
        {
            reader.Error(source, at + ".schema", "a mapping of field name to {type, required, format}", "nothing");
            return fields;
        }

        if (node is not YamlMappingNode schema || schema.Children.Count == 0)
        {
            reader.Error(node, at + ".schema", "a non-empty mapping of field name to {type, required, format}", Describe(node));
            return fields;
        }

        foreach (var (keyNode, valueNode) in schema.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            var fieldAt = $"{at}.schema.{name}";
            if (valueNode is not YamlMappingNode field)
            {
                reader.Error(valueNode, fieldAt, "a mapping with type (string, integer, number, boolean, datetime)", Describe(valueNode));
                continue;
            }

            reader.RejectUnknown(field, fieldAt, ["type", "required", "format"]);
            if (NodeReader.Child(field, "type") is null)
            {
                reader.Error(field, fieldAt + ".type", "one of string, integer, number, boolean, datetime", "nothing");
            }

            var type = reader.Enum(field, "type", fieldAt, FieldType.Text, new Dictionary<string, FieldType>
            {
                ["string"] = FieldType.Text, ["integer"] = FieldType.WholeNumber, ["number"] = FieldType.Number,
                ["boolean"] = FieldType.Boolean, ["datetime"] = FieldType.DateTime,
            });
            var required = reader.Boolean(field, "required", fieldAt, false);
            var format = reader.OptionalString(field, "format", fieldAt);
            if (format is not null && format is not ("email" or "uri" or "date"))
            {
                reader.Error(NodeReader.Child(field, "format")!, fieldAt + ".format", "one of email, uri, date", format);
            }

            fields.Add(new FieldDefinition(name, type, required, format));
        }

        return fields;
    }

    private static QualitySettings ReadQuality(NodeReader reader, YamlMappingNode root, List<SourceDefinition> sources)
    {
        if (NodeReader.Child(root, "quality") is not { } node)
        {
            return QualitySettings.Default;
        }

        if (node is not YamlMappingNode quality)
        {
            reader.Error(node, "quality", "a mapping with max_quarantine_rate and rules", Describe(node));
            return QualitySettings.Default;
        }

        reader.RejectUnknown(quality, "quality", ["max_quarantine_rate", "rules"]);
        var rate = reader.Number(quality, "max_quarantine_rate", "quality", QualitySettings.Default.MaxQuarantineRate, 0, 1);
        var rules = new List<QualityRule>();
        if (NodeReader.Child(quality, "rules") is { } rulesNode)
        {
            if (rulesNode is not YamlSequenceNode list)
            {
                reader.Error(rulesNode, "quality.rules", "a list of rules", Describe(rulesNode));
                return new QualitySettings(rate, rules);
            }

            var fieldNames = sources.SelectMany(s => s.Schema).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < list.Children.Count; i++)
            {
                var at = $"quality.rules[{i}]";
                if (list.Children[i] is not YamlMappingNode item)
                {
                    reader.Error(list.Children[i], at, "a mapping with rule and field", Describe(list.Children[i]));
                    continue;
                }

                reader.RejectUnknown(item, at, ["rule", "field", "min", "max", "values", "pattern"]);
                if (NodeReader.Child(item, "rule") is null)
                {
                    reader.Error(item, at + ".rule", "one of not_null, unique, length, allowed_values, regex", "nothing");
                    continue;
                }

                var kind = reader.Enum(item, "rule", at, QualityRuleKind.NotNull, new Dictionary<string, QualityRuleKind>
                {
                    ["not_null"] = QualityRuleKind.NotNull, ["unique"] = QualityRuleKind.Unique, ["length"] = QualityRuleKind.Length,
                    ["allowed_values"] = QualityRuleKind.AllowedValues, ["regex"] = QualityRuleKind.Regex,
                });
                var field = reader.RequiredString(item, "field", at) ?? "";
                if (field.Length > 0 && fieldNames.Count > 0 && !fieldNames.Contains(field))
                {
                    reader.Error(NodeReader.Child(item, "field")!, at + ".field", "a field of a source schema (" + string.Join(", ", fieldNames) + ")", field);
                }

                var rule = new QualityRule(kind, field);
                switch (kind)
                {
                    case QualityRuleKind.Length:
                        var min = reader.Integer(item, "min", at, null, 0);
                        var max = reader.Integer(item, "max", at, null, 0);
                        if (min is null && max is null)
                        {
                            reader.Error(item, at, "min, max or both for a length rule", "neither");
                        }
                        else if (min > max)
                        {
                            reader.Error(NodeReader.Child(item, "min")!, at + ".min", $"at most max ({max})", min?.ToString(CultureInfo.InvariantCulture));
                        }

                        rule = rule with { MinLength = min, MaxLength = max };
                        break;
                    case QualityRuleKind.AllowedValues:
                        var values = reader.StringList(item, "values", at);
                        if (values.Count == 0)
                        {
                            reader.Error(NodeReader.Child(item, "values") ?? item, at + ".values", "a non-empty list of allowed values", "none");
                        }

                        rule = rule with { AllowedValues = values };
                        break;
                    case QualityRuleKind.Regex:
                        var pattern = reader.RequiredString(item, "pattern", at);
                        if (pattern is not null && !IsValidRegex(pattern, out var problem))
                        {
                            reader.Error(NodeReader.Child(item, "pattern")!, at + ".pattern", "a .NET regular expression", problem);
                        }

                        rule = rule with { Pattern = pattern };
                        break;
                }

                rules.Add(rule);
            }
        }

        return new QualitySettings(rate, rules);
    }

    private static PreprocessingSettings ReadPreprocessing(NodeReader reader, YamlMappingNode root)
    {
        var defaults = PreprocessingSettings.Default;
        if (NodeReader.Child(root, "preprocessing") is not { } node)
        {
            return defaults;
        }

        if (node is not YamlMappingNode pre)
        {
            reader.Error(node, "preprocessing", "a mapping with version, clean, pii, dedup and chunking", Describe(node));
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

            if (NodeReader.Child(pii, "custom") is YamlSequenceNode customList)
            {
                for (var i = 0; i < customList.Children.Count; i++)
                {
                    var at = $"preprocessing.pii.custom[{i}]";
                    if (customList.Children[i] is not YamlMappingNode item)
                    {
                        reader.Error(customList.Children[i], at, "a mapping with name and pattern", Describe(customList.Children[i]));
                        continue;
                    }

                    reader.RejectUnknown(item, at, ["name", "pattern"]);
                    var name = reader.RequiredString(item, "name", at);
                    var pattern = reader.RequiredString(item, "pattern", at);
                    if (name is not null && !Regex.IsMatch(name, "^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant))
                    {
                        reader.Error(NodeReader.Child(item, "name")!, at + ".name", "lower-case letters, digits and '_'", name);
                    }

                    if (pattern is not null && !IsValidRegex(pattern, out var problem))
                    {
                        reader.Error(NodeReader.Child(item, "pattern")!, at + ".pattern", "a .NET regular expression", problem);
                    }

                    if (name is not null && pattern is not null)
                    {
                        custom.Add(new CustomPiiPattern(name, pattern));
                    }
                }
            }
            else if (NodeReader.Child(pii, "custom") is { } other)
            {
                reader.Error(other, "preprocessing.pii.custom", "a list of {name, pattern}", Describe(other));
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
            chunkTokens = reader.Integer(chunking, "max_tokens", "preprocessing.chunking", chunkTokens, 16) ?? chunkTokens;
            overlap = reader.Integer(chunking, "overlap", "preprocessing.chunking", overlap, 0) ?? overlap;
            if (overlap >= chunkTokens)
            {
                reader.Error(NodeReader.Child(chunking, "overlap") ?? chunking, "preprocessing.chunking.overlap", $"less than max_tokens ({chunkTokens})", overlap.ToString(CultureInfo.InvariantCulture));
            }
        }

        return new PreprocessingSettings(version, normalize, stripHtml, redact, types, custom, dedup, tokenizer, chunkTokens, overlap);
    }

    private static EmbeddingSettings ReadEmbedding(NodeReader reader, YamlMappingNode root)
    {
        var defaults = EmbeddingSettings.Default;
        if (reader.Mapping(root, "embedding", "") is not { } section)
        {
            return defaults;
        }

        reader.RejectUnknown(section, "embedding", ["provider", "model", "dimensions", "deployment", "max_batch_inputs", "max_batch_tokens"]);
        var provider = reader.Enum(section, "provider", "embedding", defaults.Provider, new Dictionary<string, string>
        {
            [EmbeddingSettings.Local] = EmbeddingSettings.Local, [EmbeddingSettings.AzureOpenAI] = EmbeddingSettings.AzureOpenAI,
        });
        var model = reader.OptionalString(section, "model", "embedding") ?? defaults.Model;
        if (!Regex.IsMatch(model, "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant))
        {
            reader.Error(NodeReader.Child(section, "model")!, "embedding.model", "a model name of letters, digits, '.', '_' and '-'", model);
        }

        var dimensions = reader.Integer(section, "dimensions", "embedding", defaults.Dimensions, 8) ?? defaults.Dimensions;
        if (dimensions > 4096)
        {
            reader.Error(NodeReader.Child(section, "dimensions")!, "embedding.dimensions", "at most 4096", dimensions.ToString(CultureInfo.InvariantCulture));
        }

        var inputs = reader.Integer(section, "max_batch_inputs", "embedding", defaults.MaxBatchInputs, 1) ?? defaults.MaxBatchInputs;
        var tokens = reader.Integer(section, "max_batch_tokens", "embedding", defaults.MaxBatchTokens, 1) ?? defaults.MaxBatchTokens;
        return new EmbeddingSettings(provider, model, dimensions, reader.OptionalString(section, "deployment", "embedding"), inputs, tokens);
    }

    /// <summary>A duration as <c>30m</c>, <c>24h</c> or <c>7d</c>, or null.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Regex.Match(text.Trim(), "^([0-9]+)(m|h|d)$", RegexOptions.CultureInvariant);
        if (!match.Success)
        {
            return null;
        }

        var amount = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "m" => TimeSpan.FromMinutes(amount), "h" => TimeSpan.FromHours(amount), _ => TimeSpan.FromDays(amount) };
    }

    private static DriftSettings ReadDrift(NodeReader reader, YamlMappingNode root)
    {
        var defaults = DriftSettings.Default;
        if (reader.Mapping(root, "drift", "") is not { } section)
        {
            return defaults;
        }

        reader.RejectUnknown(section, "drift", ["schedule", "reference", "current", "model", "signals", "cooldown"]);
        var schedule = reader.OptionalString(section, "schedule", "drift");
        if (schedule is not null)
        {
            try
            {
                Cronos.CronExpression.Parse(schedule, Cronos.CronFormat.IncludeSeconds);
            }
            catch (Cronos.CronFormatException ex)
            {
                reader.Error(NodeReader.Child(section, "schedule")!, "drift.schedule", "a six-field NCRONTAB schedule (second minute hour day month weekday), e.g. '0 0 6 * * *'", $"'{schedule}' ({ex.Message})");
            }
        }

        var reference = reader.OptionalString(section, "reference", "drift") ?? defaults.Reference;
        if (reference is not ("champion" or "previous") && !reference.StartsWith("dataset:", StringComparison.Ordinal))
        {
            reader.Error(NodeReader.Child(section, "reference")!, "drift.reference", "champion, previous or a dataset version id (dataset:<source>@<hash>)", reference);
        }

        var current = reader.OptionalString(section, "current", "drift") ?? defaults.Current;
        if (current != "latest" && !(current.StartsWith("since ", StringComparison.Ordinal) && ParseDuration(current[6..]) is not null))
        {
            reader.Error(NodeReader.Child(section, "current")!, "drift.current", "latest, or 'since <n>m|h|d' (e.g. since 7d)", current);
        }

        var model = reader.OptionalString(section, "model", "drift");
        if (reference == "champion" && model is null)
        {
            reader.Error(section, "drift.model", "the registered name whose champion sets the reference (e.g. prompt:support-answer), because reference is champion", "nothing");
        }

        var cooldownText = reader.OptionalString(section, "cooldown", "drift");
        var cooldown = defaults.Cooldown;
        if (cooldownText is not null)
        {
            if (ParseDuration(cooldownText) is { } parsed)
            {
                cooldown = parsed;
            }
            else
            {
                reader.Error(NodeReader.Child(section, "cooldown")!, "drift.cooldown", "a duration like 30m, 24h or 7d", cooldownText);
            }
        }

        var signals = new List<DriftSignalSettings>();
        if (NodeReader.Child(section, "signals") is YamlSequenceNode list)
        {
            for (var i = 0; i < list.Children.Count; i++)
            {
                var at = $"drift.signals[{i}]";
                if (list.Children[i] is not YamlMappingNode item)
                {
                    reader.Error(list.Children[i], at, "a mapping with signal, warn, alert and action", Describe(list.Children[i]));
                    continue;
                }

                reader.RejectUnknown(item, at, ["signal", "test", "warn", "alert", "action"]);
                var signal = reader.RequiredString(item, "signal", at);
                if (signal is not null && !DriftSignalSettings.NamedSignals.Contains(signal) && !signal.StartsWith("column:", StringComparison.Ordinal) && !signal.StartsWith("quality.", StringComparison.Ordinal))
                {
                    reader.Error(NodeReader.Child(item, "signal")!, at + ".signal", "column:<field> or one of " + string.Join(", ", DriftSignalSettings.NamedSignals), signal);
                }

                var test = reader.OptionalString(item, "test", at);
                if (test is not null && !DriftSignalSettings.Tests.Contains(test))
                {
                    reader.Error(NodeReader.Child(item, "test")!, at + ".test", "one of " + string.Join(", ", DriftSignalSettings.Tests), test);
                }

                var action = reader.OptionalString(item, "action", at);
                if (action is not null && !DriftSignalSettings.Actions.Contains(action))
                {
                    reader.Error(NodeReader.Child(item, "action")!, at + ".action", "one of " + string.Join(", ", DriftSignalSettings.Actions), action);
                }

                var warn = reader.OptionalNumber(item, "warn", at);
                var alert = reader.OptionalNumber(item, "alert", at);
                if (test is not null && warn is { } w && alert is { } a && (DriftSignalSettings.LowerIsWorse(test) ? a > w : a < w))
                {
                    reader.Error(NodeReader.Child(item, "alert")!, at + ".alert",
                        DriftSignalSettings.LowerIsWorse(test) ? $"a p-value at most warn ({w.ToString(CultureInfo.InvariantCulture)}), as {test} alerts below it" : $"at least warn ({w.ToString(CultureInfo.InvariantCulture)}), as {test} alerts above it",
                        a.ToString(CultureInfo.InvariantCulture));
                }

                if (signal is not null)
                {
                    signals.Add(new DriftSignalSettings(signal, test, warn, alert, action));
                }
            }
        }
        else if (NodeReader.Child(section, "signals") is { } other)
        {
            reader.Error(other, "drift.signals", "a list of {signal, test, warn, alert, action}", Describe(other));
        }

        return new DriftSettings(schedule, reference, current, model, signals, cooldown);
    }

    private static List<ReleaseGate> ReadGates(NodeReader reader, YamlMappingNode root)
    {
        var gates = new List<ReleaseGate>();
        if (reader.Mapping(root, "gates", "") is not { } section)
        {
            return gates;
        }

        reader.RejectUnknown(section, "gates", ["promote"]);
        if (NodeReader.Child(section, "promote") is not { } node)
        {
            return gates;
        }

        if (node is not YamlSequenceNode list)
        {
            reader.Error(node, "gates.promote", "a list of {metric, min, max}", Describe(node));
            return gates;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var at = $"gates.promote[{i}]";
            if (list.Children[i] is not YamlMappingNode item)
            {
                reader.Error(list.Children[i], at, "a mapping with metric and min and/or max", Describe(list.Children[i]));
                continue;
            }

            reader.RejectUnknown(item, at, ["metric", "min", "max"]);
            var metric = reader.RequiredString(item, "metric", at);
            var min = reader.OptionalNumber(item, "min", at);
            var max = reader.OptionalNumber(item, "max", at);
            if (NodeReader.Child(item, "min") is null && NodeReader.Child(item, "max") is null)
            {
                reader.Error(item, at, "min, max or both", "neither");
            }
            else if (min > max)
            {
                reader.Error(NodeReader.Child(item, "max")!, at + ".max", $"at least min ({min.Value.ToString(CultureInfo.InvariantCulture)})", max.Value.ToString(CultureInfo.InvariantCulture));
            }

            if (metric is not null && gates.Any(g => g.Metric == metric))
            {
                reader.Error(NodeReader.Child(item, "metric")!, at + ".metric", "a metric no other gate names", metric);
            }
            else if (metric is not null)
            {
                gates.Add(new ReleaseGate(metric, min, max));
            }
        }

        return gates;
    }

    private static bool IsValidRegex(string pattern, out string? problem)
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

    internal static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };
}
