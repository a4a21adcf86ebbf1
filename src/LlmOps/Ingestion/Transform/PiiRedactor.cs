using System.Text.RegularExpressions;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Replaces personal data with typed placeholders (<c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c>, <c>[IBAN]</c>,
/// <c>[SSN]</c>, <c>[IPV4]</c>, <c>[IPV6]</c>, and <c>[NAME]</c> for each custom pattern) and counts them per type.
/// Detection runs on an NFKC view of the text (fullwidth forms count), replacement edits the original. Each type
/// needs real structure, not just enough digits: cards pass Luhn with a card-network prefix, IBANs their country's
/// length and mod-97, phones libphonenumber's numbering plans (<see cref="PhoneNumberDetector"/>), and forms that
/// ordinary numbers also take (a bare nine-digit SSN, a version-like IPv4) need a context word (<see cref="PiiChecks"/>).
/// </summary>
public sealed class PiiRedactor
{
    private readonly List<Detector> _detectors = [];

    public PiiRedactor(IEnumerable<string> types, IEnumerable<CustomPiiPattern> custom)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(custom);
        var wanted = types.ToHashSet(StringComparer.Ordinal);
        foreach (var pattern in custom)
        {
            var regex = new Regex(pattern.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            _detectors.Add(new Detector(pattern.Name, Needs.Nothing, text => Matches(regex, text, null)));
        }

        // Order matters: an e-mail holds digits, an IBAN holds a card-like run, an IPv6 may end in an IPv4.
        Detector[] builtIn =
        [
            new("email", Needs.At, PiiChecks.FindEmails),
            new("iban", Needs.Digits9, PiiChecks.FindIbans),
            new("card", Needs.Digits9, text => Matches(PiiChecks.Card(), text, PiiChecks.IsCard)),
            new("ssn", Needs.Digits9, text => Matches(PiiChecks.Ssn(), text, PiiChecks.IsSsn)),
            new("ipv6", Needs.Colon, PiiChecks.FindIpv6),
            new("ipv4", Needs.Digits4, text => Matches(PiiChecks.Ipv4(), text, PiiChecks.IsIpv4)),
            new("phone", Needs.Digits7, PhoneNumberDetector.Find),
        ];
        _detectors.AddRange(builtIn.Where(d => wanted.Contains(d.Type)));
    }

    /// <summary>The redacted text; <paramref name="counts"/> gains one per replacement, by type.</summary>
    public string Redact(string text, IDictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(counts);
        var view = NormalizedView.Of(text);
        // Every built-in type needs an '@', a ':' or enough digits; most text has few, so most passes are skipped.
        var digits = CountDigits(view.View);
        var hasAt = view.View.Contains('@', StringComparison.Ordinal);
        var hasColon = view.View.Contains(':', StringComparison.Ordinal);
        foreach (var detector in _detectors)
        {
            var needed = detector.Needs switch
            {
                Needs.At => hasAt,
                Needs.Colon => hasColon,
                Needs.Digits4 => digits >= 4,
                Needs.Digits7 => digits >= 7,
                Needs.Digits9 => digits >= 9,
                _ => true,
            };
            if (!needed)
            {
                continue;
            }

            // Overlapping finds ("a@malicious.org@important.com" holds two addresses that share a part) are one span.
            var spans = PiiContext.Merge(detector.Find(view.View));
            if (spans.Count == 0)
            {
                continue;
            }

            counts[detector.Type] = counts.TryGetValue(detector.Type, out var n) ? n + spans.Count : spans.Count;
            view = view.Replace(spans, "[" + detector.Type.ToUpperInvariant() + "]");
        }

        return view.Original;
    }

    /// <summary>Every personal value the detectors find in <paramref name="text"/> (on its NFKC view), by type, nothing replaced: erasure matches a data subject with it.</summary>
    public IReadOnlyList<(string Type, string Value)> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var view = NormalizedView.Of(text).View;
        var found = new List<(string, string)>();
        foreach (var detector in _detectors)
        {
            foreach (var (start, length) in PiiContext.Merge(detector.Find(view)))
            {
                found.Add((detector.Type, view.Substring(start, length)));
            }
        }

        return found;
    }

    public static bool IsLuhnValid(string candidate) => PiiChecks.IsLuhnValid(candidate);

    public static bool IsValidIban(string candidate) => PiiChecks.IsValidIban(candidate);

    private static List<(int Start, int Length)> Matches(Regex pattern, string text, Func<string, Match, bool>? check)
    {
        var spans = new List<(int Start, int Length)>();
        for (var match = pattern.Match(text); match.Success; match = match.NextMatch())
        {
            if (check is null || check(text, match))
            {
                spans.Add((match.Index, match.Length));
            }
        }

        return spans;
    }

    private static int CountDigits(ReadOnlySpan<char> text)
    {
        var count = 0;
        int next;
        while ((next = text.IndexOfAnyInRange('0', '9')) >= 0)
        {
            count++;
            text = text[(next + 1)..];
        }

        return count;
    }

    /// <summary>What a text must hold before a detector is worth running.</summary>
    private enum Needs
    {
        Nothing,
        At,
        Colon,
        Digits4,
        Digits7,
        Digits9,
    }

    private sealed record Detector(string Type, Needs Needs, Func<string, List<(int Start, int Length)>> Find);
}
