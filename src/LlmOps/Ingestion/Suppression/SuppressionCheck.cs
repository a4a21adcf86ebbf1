using System.Globalization;
using LlmOps.Ingestion.Transform;

using LlmOps.Governance;

namespace LlmOps.Ingestion;

/// <summary>
/// Whether a record holds an erased subject: each field named by a suppression is hashed as it would have been; for a
/// suppression without a field, every value the detectors find in the record's text of that kind is (and, for a plain
/// text subject, each whole field value). Only the kinds and fields the list holds are looked at.
/// </summary>
public sealed class SuppressionCheck
{
    private readonly SubjectKey _key;
    private readonly HashSet<string> _hashes;
    private readonly List<(string Type, string Field)> _fields;
    private readonly List<string> _anywhereTypes;
    private readonly PiiRedactor? _detector;

    public SuppressionCheck(SubjectKey key, IReadOnlyList<(string Hash, string Type, string? Field)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _key = key;
        _hashes = entries.Select(e => e.Hash).ToHashSet(StringComparer.Ordinal);
        _fields = [.. entries.Where(e => e.Field is not null).Select(e => (e.Type, e.Field!)).Distinct()];
        _anywhereTypes = [.. entries.Where(e => e.Field is null).Select(e => e.Type).Distinct(StringComparer.Ordinal)];
        var detected = _anywhereTypes.Where(t => t != "text").ToList();
        _detector = detected.Count == 0 ? null : new PiiRedactor(detected, []);
    }

    public int Count => _hashes.Count;

    /// <summary>Whether the record (its typed fields before redaction) belongs to an erased subject.</summary>
    public bool Matches(IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var (type, field) in _fields)
        {
            if (fields.TryGetValue(field, out var value) && value is not null && Suppressed(type, field, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""))
            {
                return true;
            }
        }

        foreach (var value in fields.Values)
        {
            if (value is not string text)
            {
                continue;
            }

            if (_anywhereTypes.Contains("text") && Suppressed("text", null, text))
            {
                return true;
            }

            if (_detector is not null && _detector.Find(text).Any(f => Suppressed(f.Type, null, f.Value)))
            {
                return true;
            }
        }

        return false;
    }

    private bool Suppressed(string type, string? field, string value) =>
        _hashes.Contains(_key.Hash("subject", $"{type}|{field ?? "*"}|{DataSubject.Normalize(type, value)}")!);
}
