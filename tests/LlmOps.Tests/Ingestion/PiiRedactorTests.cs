using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Ingestion;

public sealed class PiiRedactorTests
{
    private const int SamplesPerType = 500;
    private const int CleanSentences = 5000;

    private static readonly string[] Templates =
    [
        "Please reach me at {0} before Friday.",
        "My details: {0}. Thanks for the quick help!",
        "{0} is what I used when I signed up in 2023.",
        "Could you update the account to {0} (the old one is closed)?",
        "Logged from {0}; the error happened twice.",
    ];

    public static TheoryData<string> Types() => new(PreprocessingSettings.KnownPiiTypes);

    [Theory]
    [InlineData("Write to 06 12 34 56 78 after six.", "Write to [PHONE] after six.")]
    [InlineData("From 01.44.55.66.77, then nothing.", "From [PHONE], then nothing.")]
    [InlineData("Ticket 4 - 09-70-12-34-56 - closed", "Ticket 4 - [PHONE] - closed")]
    [InlineData("Rows 01 02 03 04 05 06 07 were exported.", null)]
    [InlineData("Part AB-05-12-33-48 is out of stock.", null)]
    [InlineData("Checksum 00 12 34 56 78 matched.", null)]
    [InlineData("Mixed 06 12.34 56 78 separators.", null)]
    [InlineData("Version 0.12.34.56.78 fixed it.", null)]
    public void FrenchNationalNumber_InItsPairGrouping_RedactedWithoutAPhoneWord_LookalikesKept(string text, string? expected)
    {
        var counts = new Dictionary<string, long>();
        var redacted = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []).Redact(text, counts);

        Assert.Equal(expected ?? text, redacted);
        Assert.Equal(expected is null ? 0 : 1, counts.GetValueOrDefault("phone"));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void SyntheticLabelledSet_RecallAtLeast99Percent(string type)
    {
        var synthetic = new SyntheticPii(seed: type.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        var redactor = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []);
        var placeholder = "[" + type.ToUpperInvariant() + "]";
        var found = 0;
        var misses = new List<string>();
        for (var i = 0; i < SamplesPerType; i++)
        {
            var value = Generate(synthetic, type);
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, Templates[i % Templates.Length], value);
            var counts = new Dictionary<string, long>();
            var redacted = redactor.Redact(text, counts);
            if (!redacted.Contains(value, StringComparison.Ordinal) && redacted.Contains(placeholder, StringComparison.Ordinal) && counts.GetValueOrDefault(type) == 1)
            {
                found++;
            }
            else
            {
                misses.Add($"{text} -> {redacted}");
            }
        }

        var recall = found / (double)SamplesPerType;
        Assert.True(recall >= 0.99, $"{type} recall {recall:P2}; misses: {string.Join(" | ", misses.Take(5))}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void CleanProse_FalsePositivesAtMostHalfAPercent(string type)
    {
        var synthetic = new SyntheticPii(seed: 7);
        var redactor = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []);
        var falsePositives = new List<string>();
        for (var i = 0; i < CleanSentences; i++)
        {
            var sentence = synthetic.CleanSentence();
            var counts = new Dictionary<string, long>();
            var redacted = redactor.Redact(sentence, counts);
            if (counts.GetValueOrDefault(type) > 0)
            {
                falsePositives.Add($"{sentence} -> {redacted}");
            }
        }

        var rate = falsePositives.Count / (double)CleanSentences;
        Assert.True(rate <= 0.005, $"{type} false-positive rate {rate:P2}; e.g. {string.Join(" | ", falsePositives.Take(5))}");
    }

    [Fact]
    public void CustomPattern_RedactedWithItsName_AndCounted()
    {
        var redactor = new PiiRedactor([], [new CustomPiiPattern("order_number", @"ORD-\d{6}")]);
        var counts = new Dictionary<string, long>();
        Assert.Equal("Orders [ORDER_NUMBER] and [ORDER_NUMBER].", redactor.Redact("Orders ORD-123456 and ORD-654321.", counts));
        Assert.Equal(2, counts["order_number"]);
    }

    [Theory]
    [InlineData("Client ::ffff:192.0.2.44 retried", "Client [IPV6] retried", "ipv6")]
    // In code, among slices and dict literals: found where a colon pair starts, after up to four hex digits.
    [InlineData("x = a[::2]; d = {'k': 1}; host = 'fe80::1ff:fe23:4567:890a'", "x = a[::2]; d = {'k': 1}; host = '[IPV6]'", "ipv6")]
    [InlineData("deadbeef:2001:db8:85a3::8a2e:370:7334 and 2001:db8:85a3::8a2e:370:7334", "deadbeef:2001:db8:85a3::8a2e:370:7334 and [IPV6]", "ipv6")]
    [InlineData("Write to jürgen.müller@bücher.example today", "Write to [EMAIL] today", "email")]
    [InlineData("Write to 用户@例子.广告 today", "Write to [EMAIL] today", "email")]
    [InlineData("IBAN de89 3704 0044 0532 0130 00 please", "IBAN [IBAN] please", "iban")]
    [InlineData("IBAN DE89-3704-0044-0532-0130-00 please", "IBAN [IBAN] please", "iban")]
    [InlineData("My SSN is 123456789.", "My SSN is [SSN].", "ssn")]
    [InlineData("ssn 123 45 6789", "ssn [SSN]", "ssn")]
    [InlineData("mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "mail [EMAIL] now", "email")]
    [InlineData("call ＋１ ４１５－５５５－０１３４ now", "call [PHONE] now", "phone")]
    [InlineData("card ４１１１ １１１１ １１１１ １１１１ ok", "card [CARD] ok", "card")]
    [InlineData("Jane Roe <jane.roe@example.com> wrote", "Jane Roe <[EMAIL]> wrote", "email")]
    [InlineData("call me on 020 7946 0958 tonight", "call me on [PHONE] tonight", "phone")]
    // Two addresses sharing a part (from the Python email package's docs) made overlapping spans and crashed redaction.
    [InlineData("Parsing `a@malicious.org@important.com`. fails", "Parsing `[EMAIL]`. fails", "email")]
    public void FormsThatLeakedBefore_AreRedacted(string text, string expected, string type)
    {
        var counts = new Dictionary<string, long>();
        var redactor = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []);
        Assert.Equal(expected, redactor.Redact(TextCleaner.Clean(text), counts));
        Assert.Equal(1, counts[type]);
    }

    [Theory]
    [InlineData("Assembly Version=8.2.0.0, Culture=neutral")]
    [InlineData("Time value range is 00:00:00 through 23:59:59.9999999")]
    [InlineData("ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2")]
    [InlineData("Read pp. 1200-1350 and 2019-2023, section 4.1.1.1")]
    [InlineData("Pi is 3.14159265358979 and the max is 1.7976931348623157E+308")]
    [InlineData("The population is 12 345 678 and 1 234 567 890 units")]
    [InlineData("Coordinates 47.6062, -122.3321 and 40.7128, -74.0060")]
    [InlineData("Started 2024-03-15 14:30:00.1234567 and epoch 1710513000")]
    [InlineData("Invoice 2022-851822 covers SKU 22541-894-23, order 2025550143")]
    [InlineData("Version 1.2.3.4 and v10.0.0.0 and OID 1.3.6.1")]
    // Bug ids in a compiler changelog (libphonenumber's matcher took "c++/49387" for an international number).
    [InlineData("2022-05-15 Jason Merrill\n\nPR c++/102651\nPR c++/49387\n* rtti.cc (get_tinfo_decl_direct): Don't")]
    // Real text: "PR c++/82980" after a date line, patch numbers after a '+' in a changelog, percentages in a table.
    [InlineData("2022-04-14 Jason Merrill\n\nPR c++/82980\n* lambda.cc (type_deducible_expression_p): New.")]
    [InlineData("* Merge upstream patch v8.2.3918\n+ 8.2.3610: crash when ModeChanged triggered too early (Closes: #1001900,\nCVE-2021-3968)\n+ 8.2.3611: crash")]
    [InlineData("L1 248.76 3284.48 +1220.34%\nL2 264.09 2826.47 +970.27%\nM 261.24 2405.06 +820.63%\nHT 217.27 857.3 +294.58%")]
    public void NumberLikeText_IsLeftAlone(string text)
    {
        var counts = new Dictionary<string, long>();
        Assert.Equal(text, new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []).Redact(text, counts));
        Assert.Empty(counts);
    }

    [Fact]
    public void LongText_EveryNumberFound_WhereverItStands()
    {
        // The phone matcher runs on windows around each candidate run and IBANs are tried only after two letters and
        // two digits: numbers at the very start and end, far apart, and close together are all found.
        var filler = string.Concat(Enumerable.Repeat("The export finished after the nightly sync with no errors. ", 40));
        var text = "DE89 3704 0044 0532 0130 00 is the account. " + filler + "Call +1 415-555-0134 or (415) 555-0199, or +44 20 7946 0958. "
            + filler + "Release 2019-2023, build 1234567. " + filler + "Backup line: 415.555.0112";
        var counts = new Dictionary<string, long>();

        var redacted = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []).Redact(text, counts);

        Assert.StartsWith("[IBAN] is the account.", redacted, StringComparison.Ordinal);
        Assert.Contains("Call [PHONE] or [PHONE], or [PHONE].", redacted, StringComparison.Ordinal);
        Assert.Contains("Release 2019-2023, build 1234567.", redacted, StringComparison.Ordinal);
        Assert.EndsWith("Backup line: [PHONE]", redacted, StringComparison.Ordinal);
        Assert.Equal((4, 1), (counts["phone"], counts["iban"]));
    }

    [Theory]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("4111 1111 1111 1112", false)]
    [InlineData("378282246310005", true)]
    public void Luhn(string number, bool valid) => Assert.Equal(valid, PiiRedactor.IsLuhnValid(number));

    [Theory]
    [InlineData("DE89 3704 0044 0532 0130 00", true)]
    [InlineData("GB82WEST12345698765432", true)]
    [InlineData("GB82WEST12345698765433", false)]
    public void IbanChecksum(string iban, bool valid) => Assert.Equal(valid, PiiRedactor.IsValidIban(iban));

    private static string Generate(SyntheticPii synthetic, string type) => type switch
    {
        "email" => synthetic.Email(),
        "phone" => synthetic.Phone(),
        "card" => synthetic.Card(),
        "iban" => synthetic.Iban(),
        "ssn" => synthetic.Ssn(),
        "ipv4" => synthetic.Ipv4(),
        "ipv6" => synthetic.Ipv6(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
