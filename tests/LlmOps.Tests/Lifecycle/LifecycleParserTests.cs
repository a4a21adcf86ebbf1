using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Lifecycle;

public sealed class LifecycleParserTests
{
    private const string Minimal = """
        feature: demo
        sources:
          - name: tickets
            path: raw/tickets/
            text_field: body
            schema:
              body: { type: string, required: true }
        """;

    [Fact]
    public async Task SampleLifecycle_Parses_WithEverySection()
    {
        var lifecycle = await LifecycleParser.LoadAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml"));

        Assert.Equal("support-answers", lifecycle.Feature);
        var tickets = Assert.Single(lifecycle.Sources);
        Assert.Equal("raw/tickets/", tickets.Path);
        Assert.Equal("id", tickets.IdField);
        Assert.Equal(5, tickets.Schema.Count);
        Assert.Equal(FieldType.DateTime, tickets.Schema.Single(f => f.Name == "created").Type);
        Assert.Equal(0.2, lifecycle.Quality.MaxQuarantineRate);
        Assert.Equal(
            [QualityRuleKind.NotNull, QualityRuleKind.Unique, QualityRuleKind.Length, QualityRuleKind.AllowedValues, QualityRuleKind.Regex],
            lifecycle.Quality.Rules.Select(r => r.Kind));
        Assert.Equal(["email", "chat", "phone"], lifecycle.Quality.Rules.Single(r => r.Kind == QualityRuleKind.AllowedValues).AllowedValues);
        Assert.Equal(@"^T-\d+$", lifecycle.Quality.Rules.Single(r => r.Kind == QualityRuleKind.Regex).Pattern);
        Assert.Equal("order_number", Assert.Single(lifecycle.Preprocessing.CustomPii).Name);
        Assert.Equal(256, lifecycle.Preprocessing.ChunkTokens);
        Assert.Equal(new EmbeddingSettings("local", "lexical-ngram", 384, null, 2048, 300_000), lifecycle.Embedding);
        Assert.Equal([new ReleaseGate("answer_accuracy", 0.7, null), new ReleaseGate("latency_ms", null, 1500)], lifecycle.PromotionGates);
    }

    [Fact]
    public void Minimal_UsesDefaults()
    {
        var lifecycle = LifecycleParser.Parse(Minimal);
        Assert.Equal(QualitySettings.Default, lifecycle.Quality);
        Assert.Equal(PreprocessingSettings.Default, lifecycle.Preprocessing);
        Assert.Equal(SourceFormat.Auto, lifecycle.Sources[0].Format);
    }

    [Theory]
    [InlineData("format: jsonl", "format: xml", 5, "sources[0].format", "one of auto, jsonl, csv, parquet")]
    [InlineData("path: raw/tickets/", "path: datasets/tickets/", 4, "sources[0].path", "a path under raw/")]
    [InlineData("body: { type: string, required: true }", "body: { type: text, required: true }", 8, "sources[0].schema.body.type", "one of string, integer")]
    [InlineData("body: { type: string, required: true }", "body: { type: string, required: maybe }", 8, "sources[0].schema.body.required", "true or false")]
    [InlineData("text_field: body", "text_field: message", 6, "sources[0].text_field", "a field of the schema")]
    public void InvalidField_RejectedWithLineFieldAndExpectation(string replace, string with, int line, string field, string expected)
    {
        var yaml = Minimal.Replace("path: raw/tickets/", "path: raw/tickets/\n    format: jsonl", StringComparison.Ordinal).Replace(replace, with, StringComparison.Ordinal);

        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse(yaml));

        var problem = Assert.Single(error.Errors);
        Assert.Equal(field, problem.Field);
        Assert.Equal(line, problem.Line);
        Assert.Contains(expected, problem.Expected, StringComparison.Ordinal);
        Assert.Contains($"line {line}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralProblems_AllReportedInFileOrder()
    {
        var yaml = """
            feature: Bad Name
            colour: blue
            sources:
              - name: tickets
                path: raw/tickets/
                text_field: body
                schema:
                  body: { type: string }
            quality:
              max_quarantine_rate: 1.5
              rules:
                - { rule: length, field: body, min: 10, max: 5 }
                - { rule: regex, field: body, pattern: '([' }
                - { rule: unique, field: nope }
            preprocessing:
              version: v2
              chunking: { max_tokens: 64, overlap: 64 }
            """;

        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse(yaml));

        Assert.Equal(
            ["feature", "colour", "quality.max_quarantine_rate", "quality.rules[0].min", "quality.rules[1].pattern", "quality.rules[2].field", "preprocessing.chunking.overlap"],
            error.Errors.Select(e => e.Field));
        Assert.Equal([1, 2, 10, 12, 13, 14, 17], error.Errors.Select(e => e.Line));
    }

    [Fact]
    public void BrokenYaml_RejectedWithPosition()
    {
        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse("feature: demo\nsources: [\n  - oops: {"));
        Assert.True(Assert.Single(error.Errors).Line >= 2);
        Assert.Equal("valid YAML", error.Errors[0].Expected);
    }

    [Fact]
    public void MissingSources_Rejected()
    {
        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse("feature: demo\n"));
        Assert.Equal("sources", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void Drift_BadScheduleThresholdOrderAndSignal_EachReportedWithItsLine()
    {
        var yaml = Minimal + "\n" + """
            drift:
              schedule: "every morning"
              reference: champion
              signals:
                - { signal: column:body, test: ks, warn: 0.05, alert: 0.1 }
                - { signal: embeddings.wrong, action: retrain }
                - { signal: text.oov_rate, action: celebrate }
            """;
        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse(yaml));
        Assert.Contains(error.Errors, e => e.Field == "drift.schedule" && e.Expected.Contains("NCRONTAB", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "drift.model");
        Assert.Contains(error.Errors, e => e.Field == "drift.signals[0].alert" && e.Expected.Contains("at most warn", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Field == "drift.signals[1].signal");
        Assert.Contains(error.Errors, e => e.Field == "drift.signals[2].action");
        Assert.All(error.Errors, e => Assert.True(e.Line > 0));
    }
}
