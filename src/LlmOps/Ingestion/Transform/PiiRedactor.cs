using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.RegularExpressions;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Replaces personal data with typed placeholders (<c>[EMAIL]</c>, <c>[PHONE]</c>, <c>[CARD]</c>, <c>[IBAN]</c>,
/// <c>[SSN]</c>, <c>[IPV4]</c>, <c>[IPV6]</c>, and <c>[NAME]</c> for each custom pattern) and counts them per type.
/// Card numbers must pass Luhn and IBANs their mod-97 check, so ordinary long numbers stay.
/// </summary>
public sealed partial class PiiRedactor
{
    private readonly List<(string Type, Regex Pattern, Func<string, bool>? Check)> _detectors = [];
    private readonly int _customCount;

    public PiiRedactor(IEnumerable<string> types, IEnumerable<CustomPiiPattern> custom)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(custom);
        var wanted = types.ToHashSet(StringComparer.Ordinal);
        foreach (var pattern in custom)
        {
            _detectors.Add((pattern.Name, new Regex(pattern.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), null));
        }

        _customCount = _detectors.Count;

        // Order matters: an e-mail holds digits, an IBAN holds a card-like run, an IPv6 holds colons.
        (string Type, Regex Pattern, Func<string, bool>? Check)[] builtIn =
        [
            ("email", Email(), null),
            ("iban", Iban(), IsValidIban),
            ("card", Card(), IsLuhnValid),
            ("ssn", Ssn(), null),
            ("ipv6", Ipv6(), IsIpv6),
            ("ipv4", Ipv4(), null),
            ("phone", Phone(), IsPhone),
        ];
        _detectors.AddRange(builtIn.Where(d => wanted.Contains(d.Type)));
    }

    /// <summary>The redacted text; <paramref name="counts"/> gains one per replacement, by type.</summary>
    public string Redact(string text, IDictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(counts);
        // Every built-in type needs an '@', a ':' or enough digits (an IPv4 address 4, the rest at least 9); most
        // text has few, so most passes are skipped.
        var digits = CountDigits(text);
        var hasAt = text.Contains('@', StringComparison.Ordinal);
        var hasColon = text.Contains(':', StringComparison.Ordinal);
        for (var i = 0; i < _detectors.Count; i++)
        {
            var (type, pattern, check) = _detectors[i];
            var needed = i < _customCount || type switch
            {
                "email" => hasAt,
                "ipv6" => hasColon,
                "ipv4" => digits >= 4,
                _ => digits >= 9,
            };
            if (!needed)
            {
                continue;
            }

            var placeholder = "[" + type.ToUpperInvariant() + "]";
            text = pattern.Replace(text, match =>
            {
                if (check is not null && !check(match.Value))
                {
                    return match.Value;
                }

                counts[type] = counts.TryGetValue(type, out var n) ? n + 1 : 1;
                return placeholder;
            });
        }

        return text;
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

    public static bool IsLuhnValid(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var sum = 0;
        var digits = 0;
        var doubleIt = false;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var c = candidate[i];
            if (c is ' ' or '-')
            {
                continue;
            }

            if (c is < '0' or > '9')
            {
                return false;
            }

            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            digits++;
            doubleIt = !doubleIt;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    public static bool IsValidIban(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var compact = candidate.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Length is < 15 or > 34)
        {
            return false;
        }

        var rearranged = compact[4..] + compact[..4];
        var number = new System.Text.StringBuilder(rearranged.Length * 2);
        foreach (var c in rearranged)
        {
            if (char.IsAsciiDigit(c))
            {
                number.Append(c);
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                number.Append(c - 'A' + 10);
            }
            else
            {
                return false;
            }
        }

        return BigInteger.Parse(number.ToString(), System.Globalization.CultureInfo.InvariantCulture) % 97 == 1;
    }

    private static bool IsIpv6(string candidate) =>
        candidate.Count(char.IsAsciiHexDigit) >= 4
        && IPAddress.TryParse(candidate, out var address)
        && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool IsPhone(string candidate)
    {
        var digits = candidate.Count(char.IsAsciiDigit);
        return digits is >= 9 and <= 15;
    }

    [GeneratedRegex(@"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", RegexOptions.CultureInvariant)]
    private static partial Regex Iban();

    [GeneratedRegex(@"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex Card();

    [GeneratedRegex(@"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])", RegexOptions.CultureInvariant)]
    private static partial Regex Ssn();

    [GeneratedRegex(@"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6();

    [GeneratedRegex(@"(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?!\d|\.\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{1,8}){1,5}(?![\w]|[.-]\d)|(?<![\w+])\+\d{9,15}(?!\w)", RegexOptions.CultureInvariant)]
    private static partial Regex Phone();
}
