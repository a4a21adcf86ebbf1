using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmOps.Ingestion.Transform;

/// <summary>The patterns of the built-in PII types and the checks a match must pass to count.</summary>
internal static partial class PiiChecks
{
    /// <summary>IBAN length per country (ISO 13616 registry).</summary>
    private static readonly Dictionary<string, int> IbanLengths = new(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22, ["BH"] = 22,
        ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22, ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22, ["DK"] = 18, ["DO"] = 28,
        ["EE"] = 20, ["EG"] = 29, ["ES"] = 24, ["FI"] = 18, ["FO"] = 18, ["FR"] = 27, ["GB"] = 22, ["GE"] = 22, ["GI"] = 23,
        ["GL"] = 18, ["GR"] = 27, ["GT"] = 28, ["HR"] = 21, ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26,
        ["IT"] = 27, ["JO"] = 30, ["KW"] = 30, ["KZ"] = 20, ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20,
        ["LV"] = 21, ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MK"] = 19, ["MR"] = 27, ["MT"] = 31, ["MU"] = 30, ["NL"] = 18,
        ["NO"] = 15, ["PK"] = 24, ["PL"] = 28, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22, ["SA"] = 24,
        ["SC"] = 31, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["ST"] = 25, ["SV"] = 28, ["TL"] = 23, ["TN"] = 24,
        ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20,
    };

    /// <summary>
    /// E-mail addresses, found from each '@' outwards (a regex would try every word start): a local part of letters,
    /// marks, digits and <c>._%+-'</c> (internationalized too), and a domain of dot-separated labels ending in a top-level
    /// domain of two or more letters or an <c>xn--</c> label.
    /// </summary>
    public static List<(int Start, int Length)> FindEmails(string text)
    {
        var spans = new List<(int Start, int Length)>();
        var searchFrom = 0;
        int at;
        while ((at = text.IndexOf('@', searchFrom)) >= 0)
        {
            searchFrom = at + 1;
            var start = at;
            while (start > 0 && IsLocalChar(text[start - 1]))
            {
                start--;
            }

            while (start < at && text[start] is '.' or '\'')
            {
                start++;
            }

            var end = at + 1;
            while (end < text.Length && (IsWordChar(text[end]) || text[end] is '-' or '.'))
            {
                end++;
            }

            while (end > at + 1 && text[end - 1] is '.' or '-')
            {
                end--;
            }

            if (start == at || end == at + 1 || (end < text.Length && text[end] == '_'))
            {
                continue;
            }

            var domain = text.AsSpan(at + 1, end - at - 1);
            var lastDot = domain.LastIndexOf('.');
            if (lastDot <= 0 || domain.Contains("..", StringComparison.Ordinal))
            {
                continue;
            }

            var tld = domain[(lastDot + 1)..];
            var tldOk = tld.StartsWith("xn--", StringComparison.OrdinalIgnoreCase)
                ? tld.Length > 4
                : tld.Length >= 2 && char.IsLetter(tld[0]) && !tld.ContainsAnyExcept(LetterOrMark);
            if (tldOk)
            {
                spans.Add((start, end - start));
                searchFrom = end;
            }
        }

        return spans;

        static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

        static bool IsLocalChar(char c) => IsWordChar(c) || c is '.' or '_' or '%' or '+' or '-' or '\'';
    }

    private static readonly System.Buffers.SearchValues<char> LetterOrMark = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, char.MaxValue + 1).Select(i => (char)i).Where(c => char.IsLetter(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)]);

    /// <summary>IBANs; a candidate that fails its check is tried again without its last group (a word after it).</summary>
    public static List<(int Start, int Length)> FindIbans(string text)
    {
        var spans = new List<(int Start, int Length)>();
        // An IBAN starts with two letters and two digits: the pattern is tried only where digits follow two letters
        // (digits are rare in text, letters are everywhere), anchored there; the same matches, left to right.
        for (var at = 2; at < text.Length - 1;)
        {
            var digit = text.AsSpan(at).IndexOfAnyInRange('0', '9');
            if (digit < 0)
            {
                break;
            }

            at += digit;
            if (at + 1 >= text.Length || !char.IsAsciiDigit(text[at + 1]) || !char.IsAsciiLetter(text[at - 1]) || !char.IsAsciiLetter(text[at - 2]))
            {
                at++;
                continue;
            }

            var match = IbanAt().Match(text, at - 2);
            if (!match.Success)
            {
                at++;
                continue;
            }

            at = match.Index + match.Length + 2;
            var value = match.Value;
            while (value.Length >= 15 && !IsValidIban(value))
            {
                var cut = value.LastIndexOfAny([' ', '-']);
                value = cut > 0 ? value[..cut] : "";
            }

            if (value.Length >= 15)
            {
                spans.Add((match.Index, value.Length));
            }
        }

        return spans;
    }

    public static bool IsValidIban(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var compact = candidate.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Length < 15 || !IbanLengths.TryGetValue(compact[..2], out var length) || compact.Length != length)
        {
            return false;
        }

        var rearranged = compact[4..] + compact[..4];
        var number = new StringBuilder(rearranged.Length * 2);
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

        return BigInteger.Parse(number.ToString(), CultureInfo.InvariantCulture) % 97 == 1;
    }

    /// <summary>Luhn, unless the words right before make the number a token, hash or id.</summary>
    public static bool IsCard(string text, Match match) =>
        IsLuhnValid(match.Value) && !NotACardRightBefore().IsMatch(PiiContext.Before(text, match.Index));

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

    /// <summary>Separated SSNs count anywhere; a bare run of nine digits only after an SSN word.</summary>
    public static bool IsSsn(string text, Match match) =>
        match.Groups["sep"].Success || PiiContext.HasWordBefore(text, match.Index, SsnWords());

    /// <summary>
    /// IPv6 addresses that pass <see cref="IsIpv6"/>, as the unanchored pattern would find them, but tried only where
    /// one can start: up to four hex digits before a colon that another follows within four hex digits. The unanchored
    /// pattern tried every hex letter of any text with a colon in it (all source code).
    /// </summary>
    public static List<(int Start, int Length)> FindIpv6(string text)
    {
        var spans = new List<(int Start, int Length)>();
        var from = 0;
        int colon;
        while ((colon = NextColonPair(text, from)) >= 0)
        {
            var next = colon + 1;
            for (var start = Math.Max(colon - 4, from); start <= colon; start++)
            {
                if (!text.AsSpan(start, colon - start).ContainsAnyExcept(HexDigits) && Ipv6().Match(text, start) is { Success: true } match)
                {
                    if (IsIpv6(text, match))
                    {
                        spans.Add((match.Index, match.Length));
                    }

                    next = match.Index + match.Length;
                    break;
                }
            }

            from = next;
        }

        return spans;
    }

    /// <summary>The first colon at or after <paramref name="from"/> that another colon follows within four hex digits, else -1.</summary>
    private static int NextColonPair(string text, int from)
    {
        for (var colon = text.IndexOf(':', from); colon >= 0; colon = text.IndexOf(':', colon + 1))
        {
            var next = colon + 1;
            while (next < text.Length && next - colon <= 4 && char.IsAsciiHexDigit(text[next]))
            {
                next++;
            }

            if (next < text.Length && text[next] == ':')
            {
                return colon;
            }
        }

        return -1;
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789ABCDEFabcdef");

    public static bool IsIpv6(string text, Match match) =>
        match.Value.Count(char.IsAsciiHexDigit) >= 4
        && IPAddress.TryParse(match.Value, out var address)
        && address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>
    /// Four dotted numbers are an address unless the words before make them a version or a section ("Version=8.2.0.0",
    /// "section 4.1.1.1"); without network words around them, version-like shapes (x.y.0.0, every part one digit)
    /// are taken for versions too.
    /// </summary>
    public static bool IsIpv4(string text, Match match)
    {
        var before = PiiContext.Before(text, match.Index);
        if (VersionWordsRightBefore().IsMatch(before))
        {
            return false;
        }

        var after = match.Index + match.Length;
        if (after < text.Length && (text[after] == '-' || text[after] == '+') && after + 1 < text.Length && char.IsAsciiLetter(text[after + 1]))
        {
            return false; // a pre-release version: 1.2.3.4-beta
        }

        if (ObjectIdentifierWords().IsMatch(before))
        {
            return false;
        }

        var parts = match.Value.Split('.');
        var versionLike = (parts[2] == "0" && parts[3] == "0") || parts.All(p => p.Length == 1);
        if (!versionLike)
        {
            return true;
        }

        var hasPortOrPrefix = after < text.Length && (text[after] == ':' || text[after] == '/') && after + 1 < text.Length && char.IsAsciiDigit(text[after + 1]);
        return hasPortOrPrefix || NetworkWords().IsMatch(before);
    }

    [GeneratedRegex(@"(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,4})?(?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    public static partial Regex Iban();

    /// <summary><see cref="Iban"/> anchored where the search starts.</summary>
    [GeneratedRegex(@"\G(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,4})?(?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    private static partial Regex IbanAt();

    /// <summary>
    /// Card-network prefixes (Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Diners 30/36/38/39, JCB 35,
    /// Discover and UnionPay 6011/62/64/65, Maestro 50/56-69), compact or in the printed groups (4-4-4-4[-3], 4-6-5/4).
    /// </summary>
    [GeneratedRegex(@"(?<![\w-]|\d[.,])(?=4|5[0-9]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[0456789]|6)(?:\d{13,19}|\d{4}(?<s>[ -])\d{4}\k<s>\d{4}\k<s>\d{1,4}(?:\k<s>\d{3})?|3\d{3}(?<t>[ -])\d{6}\k<t>\d{4,5})(?![\w-]|[.,]\d)", RegexOptions.CultureInvariant)]
    public static partial Regex Card();

    [GeneratedRegex(@"(?<![\w-]|\d[.,])(?!000|666|9\d\d)\d{3}(?:(?<sep>[- ])(?!00)\d{2}\k<sep>|(?!00)\d{2})(?!0000)\d{4}(?![\w-]|[.,]\d)", RegexOptions.CultureInvariant)]
    public static partial Regex Ssn();

    /// <summary>An IPv6 address starting exactly where the search starts (<see cref="FindIpv6"/> picks the starts).</summary>
    [GeneratedRegex(@"\G(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6();

    [GeneratedRegex(@"(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?!\d|\.\d)", RegexOptions.CultureInvariant)]
    public static partial Regex Ipv4();

    [GeneratedRegex(@"(?:token|key|hash|checksum|crc|id|guid|uuid|nonce|serial|build|version|invoice|order|ref|reference|sku|isbn|tracking|export|snapshot|timestamp)\b\s*[:=#]?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotACardRightBefore();

    [GeneratedRegex(@"\b(?:oid|object identifier|extension|x\.509|asn\.1|snmp|mib)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ObjectIdentifierWords();

    [GeneratedRegex(@"\b(?:ssn|ssns|social security|soc\. ?sec|ss#|ss no|taxpayer|tin|itin)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SsnWords();

    [GeneratedRegex(@"(?:\b(?:version|versions|ver|v|build|release|rev|revision|section|sections|sect|sec|chapter|clause|rule|step|item|oid|figure|fig|table|paragraph|para|article|art|appendix|annex|standard|iso|ieee|rfc|no|nr|isbn|issn|doi)\.?|§|=)\s*[:=]?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VersionWordsRightBefore();

    [GeneratedRegex(@"\b(?:ip|ips|ipv4|address|addr|host|hostname|server|client|gateway|gw|dns|subnet|netmask|ping|connect|connected|connection|from|proxy|router|endpoint|listen|listens|listening|bind|http|https|tcp|udp|port|network|remote|origin|login|logged|visitor|src|dst|source|destination|peer|node|firewall|vpn|lan|wan|localhost|loopback)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NetworkWords();
}
