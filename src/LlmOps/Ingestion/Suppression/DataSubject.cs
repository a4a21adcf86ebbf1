using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Ingestion.Transform;

using LlmOps.Governance;

namespace LlmOps.Ingestion;

/// <summary>
/// A data subject to erase: a value (an e-mail address, a phone number, a customer id...) and, optionally, the field
/// that holds it. Without a field, a record is theirs when any of its text holds the value (letter case aside) or the
/// PII detectors find in it a value of the same type that normalizes to the same (a phone number written with other
/// spacing or with its country code, a card with or without dashes). The detectors run only where the value's digits
/// appear, so a scan costs little more than reading.
/// </summary>
public sealed class DataSubject
{
    private static readonly string[] DigitTypes = ["phone", "card", "iban", "ssn"];
    private static readonly PiiRedactor Detectors = new(["email", "iban", "card", "ssn", "ipv6", "ipv4", "phone"], []);
    private readonly PiiRedactor? _detector;
    private readonly SearchValues<string> _value;
    private readonly bool _escapable;

    private DataSubject(string value, string? field, string type)
    {
        Value = value;
        Field = field;
        Type = type;
        Normalized = Normalize(type, value);
        _detector = DigitTypes.Contains(type) ? new PiiRedactor([type], []) : null;
        _value = SearchValues.Create([value], StringComparison.OrdinalIgnoreCase);
        // JSON writers escape these (the default encoder: non-ASCII and HTML-sensitive characters), so a line holding
        // the value may not hold it as written.
        _escapable = value.Any(c => c > 127 || !(char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' or ' ' or ':' or '/' or ','));
    }

    public string Value { get; }

    /// <summary>The field that holds the value, or null (any text, by value or detector match).</summary>
    public string? Field { get; }

    /// <summary>The PII type the detectors give the value (email, phone, card...), or <c>text</c>.</summary>
    public string Type { get; }

    /// <summary>The value as compared: lower case; digits only for numbers (a phone's last nine, so a country code does not matter).</summary>
    public string Normalized { get; }

    public static DataSubject Create(string value, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        value = value.Trim();
        if (value.Length < 3)
        {
            throw LlmOpsException.Invalid("A data subject needs a value of at least 3 characters (--subject), e.g. an e-mail address or a customer id.");
        }

        if (field is not null && string.IsNullOrWhiteSpace(field))
        {
            throw LlmOpsException.Invalid("--field names the field that holds the subject's value, e.g. email.");
        }

        var found = Detectors.Find(value);
        var type = found.FirstOrDefault(f => f.Value.Length >= value.Length * 0.8).Type ?? "text";
        return new DataSubject(value, field?.Trim(), type);
    }

    public static string Normalize(string type, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!DigitTypes.Contains(type))
        {
            return value.Trim().ToLowerInvariant();
        }

        var digits = Digits(value);
        if (type == "iban")
        {
            return new string([.. value.Where(char.IsLetterOrDigit)]).ToUpperInvariant();
        }

        return type == "phone" && digits.Length > 9 ? digits[^9..] : digits;
    }

    /// <summary>The key the suppression list keeps: kind, field and normalized value (hashed with the subject key by the list).</summary>
    public string SuppressionKey => $"{Type}|{Field ?? "*"}|{Normalized}";

    /// <summary>Whether a record with these fields and text is the subject's.</summary>
    public bool Matches(IReadOnlyDictionary<string, object?> fields, string? text)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (Field is not null)
        {
            return fields.TryGetValue(Field, out var value) && value is not null && Normalize(Type, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "") == Normalized;
        }

        if (text is not null && MatchesText(text))
        {
            return true;
        }

        foreach (var value in fields.Values)
        {
            if (value is string s && MatchesText(s))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether free text holds the subject: the value itself, or a detected value of its type that normalizes the same.</summary>
    public bool MatchesText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains(Value, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (_detector is null || !Digits(text).Contains(Normalized, StringComparison.Ordinal))
        {
            return false;
        }

        return _detector.Find(text).Any(f => Normalize(Type, f.Value) == Normalized);
    }

    /// <summary>
    /// Whether one line of a file (a JSON Lines record, a CSV row) holds the subject: with a field, the line's JSON
    /// property of that name (or, for a line that is not a JSON object, the text); without one, any of its text, JSON
    /// escapes read.
    /// </summary>
    public bool MatchesLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var json = line.TrimStart().StartsWith('{');
        if (Field is null && !json)
        {
            return MatchesText(line);
        }

        if (Field is null && !line.Contains('\\', StringComparison.Ordinal))
        {
            return MatchesText(line);
        }

        if (!json)
        {
            return false;
        }

        // A cheap look first: a line without the value (or its digits) anywhere is not the subject's.
        if (!line.Contains('\\', StringComparison.Ordinal) && !line.Contains(Value, StringComparison.OrdinalIgnoreCase)
            && (_detector is null || !Digits(line).Contains(Normalized, StringComparison.Ordinal)))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object && Matches(Flatten(document.RootElement), null);
        }
        catch (JsonException)
        {
            return MatchesText(line);
        }
    }

    /// <summary>
    /// <see cref="MatchesLine"/> on a line's UTF-8 bytes, fast where it cannot match: a line is only decoded to a string
    /// and looked at closely when it holds the value (letter case aside), the digits of a number-like value, or, for a
    /// value JSON would escape, an escape.
    /// </summary>
    public bool MatchesUtf8(ReadOnlySpan<byte> line)
    {
        var rented = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(line.Length));
        try
        {
            var chars = rented.AsSpan(0, Encoding.UTF8.GetChars(line, rented));
            var maybe = chars.IndexOfAny(_value) >= 0
                || (_escapable && chars.Contains('\\'))
                || (_detector is not null && Digits(chars.ToString()).Contains(Normalized, StringComparison.Ordinal));
            return maybe && MatchesLine(chars.ToString());
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// An object's properties as strings (numbers as written), nested objects flattened by name: the first value of a
    /// name is kept under it (what a field match reads), every string also under a numbered key (what a match anywhere reads).
    /// </summary>
    private static Dictionary<string, object?> Flatten(JsonElement element)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        void Walk(JsonElement e, string? name)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        Walk(property.Value, property.Name);
                    }

                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk(item, $"{name}[{i++}]");
                    }

                    break;
                case JsonValueKind.String:
                    fields.TryAdd(name ?? "", e.GetString());
                    fields.TryAdd($"{name}#{fields.Count}", e.GetString());
                    break;
                case JsonValueKind.Number:
                    fields.TryAdd(name ?? "", e.GetRawText());
                    break;
            }
        }

        Walk(element, null);
        return fields;
    }

    private static string Digits(string text)
    {
        var digits = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '0' and <= '9')
            {
                digits.Append(c);
            }
        }

        var result = digits.ToString();
        return result.StartsWith("00", StringComparison.Ordinal) ? result[2..] : result;
    }
}
