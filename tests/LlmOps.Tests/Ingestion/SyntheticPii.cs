using System.Globalization;
using System.Numerics;
using System.Text;

namespace LlmOps.Tests.Ingestion;

/// <summary>Generates labelled PII values with valid check digits, and clean prose, from a fixed seed.</summary>
public sealed class SyntheticPii(int seed)
{
    private static readonly string[] Names = ["anna", "jo", "li.wei", "m.garcia", "o'neil", "sam_smith", "dev+tickets", "k.nakamura"];
    private static readonly string[] Domains = ["example.com", "mail.example.org", "contoso.co.uk", "fabrikam.io", "uni-example.de"];

    private readonly Random _random = new(seed);

    public string Email() => $"{Pick(Names)}{_random.Next(100)}@{Pick(Domains)}";

    /// <summary>North American numbers follow the numbering plan (area and exchange codes start with 2-9), others use real ranges.</summary>
    public string Phone() => _random.Next(9) switch
    {
        0 => $"+1 {N()}-{N()}-{D(4)}",
        1 => $"({N()}) {N()}-{D(4)}",
        2 => $"{N()}.{N()}.{D(4)}",
        3 => $"{N()}-{N()}-{D(4)}",
        4 => $"+44 20 7{D(3)} {D(4)}",
        5 => $"+49 30 {D(8)}",
        6 => $"+33 1 {D(2)} {D(2)} {D(2)} {D(2)}",
        7 => $"+31 6 {_random.Next(1, 6)}{D(3)} {D(4)}",
        _ => $"+1{N()}{N()}{D(4)}",
    };

    /// <summary>A NANP area or exchange code: 2-9 then two digits, not N11.</summary>
    private string N()
    {
        var code = _random.Next(2, 10).ToString(CultureInfo.InvariantCulture) + D(2);
        return code[1..] == "11" ? code[0] + "12" : code;
    }

    public string Card()
    {
        var (prefix, length) = _random.Next(3) switch { 0 => ("4", 16), 1 => ("5" + _random.Next(1, 6), 16), _ => ("3" + (_random.Next(2) == 0 ? "4" : "7"), 15) };
        var body = prefix + D(length - prefix.Length - 1);
        var digits = body + LuhnDigit(body);
        return _random.Next(3) switch
        {
            0 => digits,
            1 => Group(digits, 4, ' '),
            _ => Group(digits, 4, '-'),
        };
    }

    public string Iban()
    {
        var (country, bban) = _random.Next(4) switch
        {
            0 => ("DE", D(18)),
            1 => ("GB", Letters(4) + D(14)),
            2 => ("FR", D(23)),
            _ => ("NL", Letters(4) + D(10)),
        };
        var numeric = new StringBuilder();
        foreach (var c in bban + country + "00")
        {
            numeric.Append(char.IsAsciiDigit(c) ? (c - '0').ToString(CultureInfo.InvariantCulture) : (c - 'A' + 10).ToString(CultureInfo.InvariantCulture));
        }

        var check = 98 - (int)(BigInteger.Parse(numeric.ToString(), CultureInfo.InvariantCulture) % 97);
        var iban = $"{country}{check:00}{bban}";
        return _random.Next(2) == 0 ? iban : Group(iban, 4, ' ');
    }

    public string Ssn() => $"{_random.Next(1, 666):000}-{_random.Next(1, 100):00}-{_random.Next(1, 10000):0000}";

    public string Ipv4() => $"{_random.Next(1, 224)}.{_random.Next(256)}.{_random.Next(256)}.{_random.Next(1, 255)}";

    public string Ipv6()
    {
        var groups = Enumerable.Range(0, 8).Select(_ => _random.Next(0x10000).ToString("x", CultureInfo.InvariantCulture)).ToArray();
        return _random.Next(2) == 0 ? string.Join(':', groups) : $"2001:db8::{groups[5]}:{groups[6]}:{groups[7]}";
    }

    /// <summary>Support-ticket prose full of numbers that are not personal data.</summary>
    public string CleanSentence() => _random.Next(12) switch
    {
        0 => $"Since version {_random.Next(1, 9)}.{_random.Next(20)}.{_random.Next(50)} the export takes {_random.Next(2, 90)} seconds.",
        1 => $"We were charged {_random.Next(10, 999)}.{_random.Next(100):00} EUR on {_random.Next(2019, 2027)}-{_random.Next(1, 13):00}-{_random.Next(1, 29):00} instead of {_random.Next(10, 99)}.",
        2 => $"Ticket T-{_random.Next(1000, 99999)} was reopened {_random.Next(2, 9)} times between {_random.Next(2019, 2023)} and {_random.Next(2023, 2027)}.",
        3 => $"About {_random.Next(1, 100)}% of our {_random.Next(100, 5000)} users see error {_random.Next(400, 600)} after {_random.Next(1, 12)}:{_random.Next(60):00} pm.",
        4 => $"The invoice lists {_random.Next(2, 40)} seats at {_random.Next(5, 50)} dollars and a discount of {_random.Next(5, 30)} percent.",
        5 => $"Our plan allows {_random.Next(1, 9)},{_random.Next(100, 999)} requests per minute but we hit the limit at {_random.Next(100, 999)}.",
        6 => $"Please see sections {_random.Next(1, 9)}.{_random.Next(1, 9)} and {_random.Next(1, 9)}.{_random.Next(1, 9)} of the guide, pages {_random.Next(1, 99)}-{_random.Next(100, 300)}.",
        7 => $"The build {_random.Next(2020, 2027)}.{_random.Next(1, 13)}.{_random.Next(1, 29)} fixed the crash in module {_random.Next(1, 20)}.",
        8 => $"Room {_random.Next(100, 999)} on floor {_random.Next(1, 30)} has {_random.Next(2, 20)} printers and {_random.Next(20, 80)} desks.",
        9 => $"We migrated {_random.Next(10, 99)} {_random.Next(100, 999)} records in {_random.Next(2, 59)} minutes using batch size {_random.Next(100, 1000)}.",
        10 => $"Call std::vector<int> with capacity {_random.Next(8, 4096)} and timeout 00:{_random.Next(10, 59)}:{_random.Next(10, 59)}.",
        _ => $"The order ORDX-{_random.Next(100, 999)} shipped on {_random.Next(1, 29)}.{_random.Next(1, 13)}.{_random.Next(2020, 2027)} in {_random.Next(2, 9)} boxes.",
    };

    private string D(int count)
    {
        var builder = new StringBuilder(count);
        for (var i = 0; i < count; i++)
        {
            builder.Append((char)('0' + _random.Next(10)));
        }

        return builder.ToString();
    }

    private string Letters(int count) => new([.. Enumerable.Range(0, count).Select(_ => (char)('A' + _random.Next(26)))]);

    private string Pick(string[] values) => values[_random.Next(values.Length)];

    private static string Group(string text, int size, char separator) =>
        string.Join(separator, Enumerable.Range(0, (text.Length + size - 1) / size).Select(i => text.Substring(i * size, Math.Min(size, text.Length - (i * size)))));

    private static char LuhnDigit(string body)
    {
        var sum = 0;
        var doubleIt = true;
        for (var i = body.Length - 1; i >= 0; i--)
        {
            var d = body[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }
}
