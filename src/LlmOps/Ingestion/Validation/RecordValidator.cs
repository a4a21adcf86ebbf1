using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Validation;

/// <summary>
/// Checks records against a source's schema (required fields, types, formats) and the lifecycle's quality rules
/// (not_null, unique within the drop, length, allowed_values, regex). Values are coerced to the schema's types (CSV
/// gives text); the first failure quarantines the record. An id that was in the previous version with other content
/// is an update, which <see cref="Processing.RecordProcessor"/> handles by the source's <c>on_update</c>.
/// </summary>
public sealed partial class RecordValidator
{
    private readonly SourceDefinition _source;
    // Values seen by unique rules are kept as 128-bit hashes: a large drop's ids would otherwise dominate memory.
    private readonly List<(QualityRule Rule, Regex? Pattern, HashSet<UInt128>? Seen)> _rules;
    public RecordValidator(SourceDefinition source, QualitySettings quality)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(quality);
        _source = source;
        _rules = quality.Rules
            .Where(r => source.Schema.Any(f => f.Name == r.Field))
            .Select(r => (r, r.Pattern is null ? null : new Regex(r.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), r.Kind == QualityRuleKind.Unique ? new HashSet<UInt128>() : null))
            .ToList();
    }

    private readonly HashSet<(int Rule, UInt128 Hash)> _seeded = [];

    /// <summary>Marks a value of the unique rule at <paramref name="rule"/> (its index among the rules) as seen earlier in the drop.</summary>
    internal void Seed(int rule, UInt128 hash)
    {
        if (rule >= 0 && rule < _rules.Count && _rules[rule].Seen is { } seen)
        {
            seen.Add(hash);
            _seeded.Add((rule, hash));
        }
    }

    /// <summary>The values unique rules registered in this run, by the rule's index (seeded values excluded).</summary>
    internal IEnumerable<(int Rule, UInt128 Hash)> UniqueValues()
    {
        for (var i = 0; i < _rules.Count; i++)
        {
            foreach (var hash in _rules[i].Seen ?? [])
            {
                if (!_seeded.Contains((i, hash)))
                {
                    yield return (i, hash);
                }
            }
        }
    }

    /// <summary>The record with schema-typed values, or the reason it is quarantined.</summary>
    public (Dictionary<string, object?>? Record, QuarantinedRecord? Rejection) Validate(long line, IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var typed = new Dictionary<string, object?>(_source.Schema.Count, StringComparer.Ordinal);
        foreach (var field in _source.Schema)
        {
            // Columns often differ from the schema only in case (Parquet's PascalCase, say).
            if (!fields.TryGetValue(field.Name, out var raw))
            {
                raw = fields.FirstOrDefault(f => string.Equals(f.Key, field.Name, StringComparison.OrdinalIgnoreCase)).Value;
            }

            if (raw is null || (raw is string s && s.Length == 0 && field.Type != FieldType.Text))
            {
                if (field.Required)
                {
                    return Reject(line, "required", field.Name, $"'{field.Name}' is required but {(fields.ContainsKey(field.Name) ? "empty" : "missing")}", fields);
                }

                typed[field.Name] = null;
                continue;
            }

            if (!TryCoerce(raw, field.Type, out var value))
            {
                return Reject(line, "type", field.Name, $"'{field.Name}' must be {Describe(field.Type)}, got {Show(raw)}", fields);
            }

            if (field.Format is not null && value is string text && !HasFormat(text, field.Format))
            {
                return Reject(line, "format", field.Name, $"'{field.Name}' must be a valid {field.Format}, got {Show(text)}", fields);
            }

            typed[field.Name] = value;
        }

        foreach (var (rule, pattern, seen) in _rules)
        {
            var value = typed[rule.Field];
            var text = value switch { null => null, string s => s, IFormattable f => f.ToString(null, CultureInfo.InvariantCulture), _ => value.ToString() };
            var failure = rule.Kind switch
            {
                QualityRuleKind.NotNull when string.IsNullOrWhiteSpace(text) => $"'{rule.Field}' is null or blank",
                QualityRuleKind.Length when text is not null && (text.Length < (rule.MinLength ?? 0) || text.Length > (rule.MaxLength ?? int.MaxValue)) =>
                    $"'{rule.Field}' has {text.Length} characters, expected {rule.MinLength ?? 0} to {(rule.MaxLength is { } max ? max.ToString(CultureInfo.InvariantCulture) : "any")}",
                QualityRuleKind.AllowedValues when text is not null && !rule.AllowedValues.Contains(text) =>
                    $"'{rule.Field}' is {Show(text)}, expected one of {string.Join(", ", rule.AllowedValues)}",
                QualityRuleKind.Regex when text is not null && !pattern!.IsMatch(text) => $"'{rule.Field}' value {Show(text)} does not match {rule.Pattern}",
                QualityRuleKind.Unique when text is not null && !seen!.Add(XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text.AsSpan()))) => $"'{rule.Field}' value {Show(text)} appears earlier in this drop",
                _ => null,
            };
            if (failure is not null)
            {
                return Reject(line, rule.Name, rule.Field, failure, fields);
            }
        }

        return (typed, null);
    }

    private static (Dictionary<string, object?>?, QuarantinedRecord?) Reject(long line, string rule, string field, string reason, IReadOnlyDictionary<string, object?> fields) =>
        (null, new QuarantinedRecord(line, rule, field, reason, fields));

    private static bool TryCoerce(object raw, FieldType type, out object? value)
    {
        value = null;
        switch (type)
        {
            case FieldType.Text:
                value = raw as string;
                return value is not null;
            case FieldType.WholeNumber:
                if (raw is long l)
                {
                    value = l;
                    return true;
                }

                if (raw is string ws && long.TryParse(ws.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedLong))
                {
                    value = parsedLong;
                    return true;
                }

                return false;
            case FieldType.Number:
                if (raw is long or double)
                {
                    value = Convert.ToDouble(raw, CultureInfo.InvariantCulture);
                    return true;
                }

                if (raw is string ns && double.TryParse(ns.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedDouble) && double.IsFinite(parsedDouble))
                {
                    value = parsedDouble;
                    return true;
                }

                return false;
            case FieldType.Boolean:
                if (raw is bool b)
                {
                    value = b;
                    return true;
                }

                if (raw is string bs && bool.TryParse(bs.Trim(), out var parsedBool))
                {
                    value = parsedBool;
                    return true;
                }

                return false;
            case FieldType.DateTime:
                if (raw is string ds && DateTimeOffset.TryParse(ds.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsedDate))
                {
                    value = parsedDate.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    private static bool HasFormat(string text, string format) => format switch
    {
        "email" => Email().IsMatch(text),
        "uri" => Uri.TryCreate(text, UriKind.Absolute, out _),
        "date" => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        _ => true,
    };

    private static string Describe(FieldType type) => type switch
    {
        FieldType.Text => "text",
        FieldType.WholeNumber => "an integer",
        FieldType.Number => "a number",
        FieldType.Boolean => "true or false",
        FieldType.DateTime => "a date-time (ISO 8601)",
        _ => type.ToString(),
    };

    private static string Show(object value)
    {
        var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        return "'" + (text.Length > 60 ? text[..60] + "…" : text) + "'";
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Email();
}
