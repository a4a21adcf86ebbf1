using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>sources</c> section: each source's name, path, format, fields, update policy and decompression limits.</summary>
internal static class SourcesSection
{
    public static List<SourceDefinition> Read(NodeReader reader, YamlMappingNode root)
    {
        var sources = new List<SourceDefinition>();
        if (NodeReader.Child(root, "sources") is not { } node)
        {
            reader.Error(root, "sources", "a list of sources (name, path, format, schema)", "nothing");
            return sources;
        }

        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            reader.Error(node, "sources", "a non-empty list of sources", NodeReader.Describe(node));
            return sources;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var at = $"sources[{i}]";
            if (list.Children[i] is not YamlMappingNode item)
            {
                reader.Error(list.Children[i], at, "a mapping with name, path, format and schema", NodeReader.Describe(list.Children[i]));
                continue;
            }

            reader.RejectUnknown(item, at, ["name", "path", "format", "id_field", "text_field", "schema", "on_update", "max_decompressed_mb", "max_compression_ratio", "shard_mb"]);
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
            sources.Add(new SourceDefinition(name, path, format, idField, textField, schema, onUpdate, limits, reader.Integer(item, "shard_mb", at, null, 1)));
        }

        return sources;
    }

    public static List<FieldDefinition> ReadSchema(NodeReader reader, YamlMappingNode source, string at)
    {
        var fields = new List<FieldDefinition>();
        if (NodeReader.Child(source, "schema") is not { } node)
        {
            reader.Error(source, at + ".schema", "a mapping of field name to {type, required, format}", "nothing");
            return fields;
        }

        if (node is not YamlMappingNode schema || schema.Children.Count == 0)
        {
            reader.Error(node, at + ".schema", "a non-empty mapping of field name to {type, required, format}", NodeReader.Describe(node));
            return fields;
        }

        foreach (var (keyNode, valueNode) in schema.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            var fieldAt = $"{at}.schema.{name}";
            if (valueNode is not YamlMappingNode field)
            {
                reader.Error(valueNode, fieldAt, "a mapping with type (string, integer, number, boolean, datetime)", NodeReader.Describe(valueNode));
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
}
