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
