using System.Globalization;
using System.Text;
using LlmOps.Ingestion.Transform;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmOps.Tests.Ingestion;

/// <summary>
/// Recall and false positives per PII type on the labelled sets that <c>PiiSets/generate.py</c> writes: a tuning
/// split and a held-out split made with other seeds, other sentence templates, extra value forms and other real
/// documents (.NET reference docs), so the targets are also met on text the detector was not tuned on.
/// </summary>
public sealed class PiiEvaluationTests(ITestOutputHelper output)
{
    private static readonly string SetsFolder = RepositoryRoot.Combine("tests", "LlmOps.Tests", "Ingestion", "PiiSets");

    [Theory]
    [InlineData("tune")]
    [InlineData("heldout")]
    public void LabelledSet_EveryType_RecallAtLeast99Percent_FalsePositivesAtMostHalfAPercent(string split)
    {
        var redactor = new PiiRedactor(PreprocessingSettings.KnownPiiTypes, []);
        var positives = File.ReadAllLines(Path.Combine(SetsFolder, $"pii-{split}.tsv"), Encoding.UTF8)
            .Select(line => line.Split('\t'))
            .Select(p => (Type: p[0], Value: p[1], Text: p[2]))
            .ToList();
        var negatives = File.ReadAllLines(Path.Combine(SetsFolder, $"nonpii-{split}.txt"), Encoding.UTF8);
        Assert.True(positives.Count >= 4000 && negatives.Length >= 10000, "the sets are missing: run PiiSets/generate.py");

        var found = new Dictionary<string, int>();
        var total = new Dictionary<string, int>();
        var flagged = new Dictionary<string, int>();
        var examples = new Dictionary<string, List<string>>();
        foreach (var (type, value, text) in positives)
        {
            var counts = new Dictionary<string, long>();
            var redacted = redactor.Redact(text, counts);
            total[type] = total.GetValueOrDefault(type) + 1;
            if (counts.GetValueOrDefault(type) >= 1 && !redacted.Contains(value, StringComparison.Ordinal) && redacted.Contains("[" + type.ToUpperInvariant() + "]", StringComparison.Ordinal))
            {
                found[type] = found.GetValueOrDefault(type) + 1;
            }
            else
            {
                Note(examples, "miss " + type, $"{text} -> {redacted}");
            }

            foreach (var other in counts.Keys.Where(k => k != type))
            {
                flagged[other] = flagged.GetValueOrDefault(other) + 1;
                Note(examples, "false " + other, $"{text} -> {redacted}");
            }
        }

        foreach (var text in negatives)
        {
            var counts = new Dictionary<string, long>();
            var redacted = redactor.Redact(text, counts);
            foreach (var type in counts.Keys)
            {
                flagged[type] = flagged.GetValueOrDefault(type) + 1;
                Note(examples, "false " + type, $"{text} -> {redacted}");
            }
        }

        var failures = new List<string>();
        output.WriteLine($"split {split}: {positives.Count} labelled values, {negatives.Length} texts without personal data");
        output.WriteLine("type | recall | false-positive rate");
        foreach (var type in PreprocessingSettings.KnownPiiTypes)
        {
            var recall = found.GetValueOrDefault(type) / (double)total[type];
            // A type's negatives: every text without personal data, and every labelled text of another type.
            var negativeCount = negatives.Length + positives.Count - total[type];
            var falseRate = flagged.GetValueOrDefault(type) / (double)negativeCount;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{type} | {recall:P2} ({found.GetValueOrDefault(type)}/{total[type]}) | {falseRate:P3} ({flagged.GetValueOrDefault(type)}/{negativeCount})"));
            if (recall < 0.99)
            {
                failures.Add($"{type} recall {recall:P2}: {string.Join(" | ", examples.GetValueOrDefault("miss " + type, []))}");
            }

            if (falseRate > 0.005)
            {
                failures.Add($"{type} false positives {falseRate:P3}: {string.Join(" | ", examples.GetValueOrDefault("false " + type, []))}");
            }
        }

        foreach (var (key, list) in examples)
        {
            output.WriteLine($"{key}: {string.Join(" | ", list)}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static void Note(Dictionary<string, List<string>> examples, string key, string example)
    {
        var list = examples.TryGetValue(key, out var l) ? l : examples[key] = [];
        if (list.Count < 8)
        {
            list.Add(example);
        }
    }
}
