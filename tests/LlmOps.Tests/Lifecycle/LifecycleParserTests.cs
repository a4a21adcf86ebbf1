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
        Assert.Equal(new EmbeddingSettings("local", "all-minilm-l6-v2", 384, null, 1024, 300_000), lifecycle.Embedding);
        Assert.Equal([new ReleaseGate("answer_accuracy", 0.7, null), new ReleaseGate("latency_ms", null, 1500)], lifecycle.PromotionGates);
        Assert.Contains(new ReleaseGate("token_f1", 0.2, null, 0), lifecycle.EvaluationGates);
        Assert.Contains(new ReleaseGate("latency_ms", null, 5000, GreaterIsBetter: false), lifecycle.EvaluationGates);
        Assert.Equal(["thumbs_up_rate", "error_rate", "latency_p95", "cost_per_request"], lifecycle.CanaryGates.Select(g => g.Metric));
        Assert.Equal(("eval-support", 3), (lifecycle.Evaluation.Dataset, lifecycle.Evaluation.K));
        Assert.Equal(new LlmOps.Lifecycle.ModelPrice(0.00015, 0.0006, 0.000075), lifecycle.Costs["gpt-4o-mini"]);
        var labeling = Assert.Single(lifecycle.Labeling);
        Assert.Equal(("ticket-intent", "tickets", 3), (labeling.Name, labeling.Dataset, labeling.Overlap));
        Assert.Equal([LabelFieldKind.Categorical, LabelFieldKind.Ordinal], labeling.Fields.Select(f => f.Kind));
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

    /// <summary>A lifecycle with every section and every optional field set: the base each rule's case breaks once.</summary>
    private const string Full = """
        feature: full
        sources:
          - name: tickets
            path: raw/tickets/
            format: jsonl
            id_field: id
            text_field: body
            on_update: quarantine
            max_decompressed_mb: 512
            max_compression_ratio: 100
            schema:
              id: { type: string, required: true }
              created: { type: datetime }
              score: { type: number }
              email: { type: string, format: email }
              body: { type: string, required: true }
        quality:
          max_quarantine_rate: 0.2
          rules:
            - { rule: not_null, field: body }
            - { rule: unique, field: id }
            - { rule: length, field: body, min: 1, max: 100 }
            - { rule: allowed_values, field: email, values: [a, b] }
            - { rule: regex, field: id, pattern: '^T-\d+$' }
        preprocessing:
          version: v3
          clean: { normalize_unicode: false, strip_html: false }
          pii: { redact: true, types: [email, phone], custom: [{ name: order_number, pattern: 'ORD-\d+' }] }
          dedup: false
          chunking: { tokenizer: o200k_base, max_tokens: 128, overlap: 16 }
        embedding:
          provider: local
          model: lexical-ngram
          dimensions: 256
          max_batch_inputs: 100
          max_batch_tokens: 1000
        drift:
          schedule: "0 0 6 * * *"
          reference: dataset:tickets@0123456789ab
          current: since 7d
          cooldown: 12h
          signals:
            - { signal: column:score, test: ks, warn: 0.05, alert: 0.01, action: retrain }
        gates:
          promote:
            - { metric: accuracy, min: 0.7 }
            - { metric: latency_ms, max: 900 }
          evaluation:
            - { metric: token_f1, min: 0.3, min_absolute_change: 0 }
            - { metric: cost_usd, min_relative_change: -0.1, greater_is_better: false }
          canary:
            - { metric: thumbs_up_rate, min_absolute_change: -0.02, min_requests: 200 }
            - { metric: latency_p95, min_relative_change: -0.1 }
        evaluation:
          dataset: eval-support
          k: 4
          judge: prompt:rubric/2
          regex: '^[A-Z]'
        costs:
          gpt-4o-mini: { input_per_1k: 0.00015, output_per_1k: 0.0006, cached_input_per_1k: 0.000075 }
        budgets:
          cost_per_day: 25
          cost_per_request: 0.02
          tokens_per_day: 2000000
          deployments:
            "deploy:prod/canary": { cost_per_day: 5 }
        notify:
          channels:
            oncall: { webhook: "https://hooks.slack.com/services/T0/B0/x", format: slack }
            team: { webhook: "%TEAMS_WEBHOOK%", format: teams }
          events:
            drift_alert: [oncall]
            canary_rolled_back: [oncall, team]
        """;

    [Fact]
    public void EverySection_ParsesToTypedSettings()
    {
        var lifecycle = LifecycleParser.Parse(Full);

        var source = Assert.Single(lifecycle.Sources);
        Assert.Equal((SourceFormat.Jsonl, "id", "body", UpdatePolicy.Quarantine), (source.Format, source.IdField, source.TextField, source.OnUpdate));
        Assert.Equal(new DecompressionLimits(512L << 20, 100), source.Limits);
        Assert.Equal([FieldType.Text, FieldType.DateTime, FieldType.Number, FieldType.Text, FieldType.Text], source.Schema.Select(f => f.Type));
        Assert.Equal("email", source.Schema.Single(f => f.Name == "email").Format);
        Assert.Equal(0.2, lifecycle.Quality.MaxQuarantineRate);
        Assert.Equal((1, 100), (lifecycle.Quality.Rules[2].MinLength, lifecycle.Quality.Rules[2].MaxLength));
        var pre = lifecycle.Preprocessing;
        Assert.Equal(("v3", false, false, true, false), (pre.Version, pre.NormalizeUnicode, pre.StripHtml, pre.Redact, pre.Dedup));
        Assert.Equal(["email", "phone"], pre.PiiTypes);
        Assert.Equal(("o200k_base", 128, 16), (pre.Tokenizer, pre.ChunkTokens, pre.ChunkOverlap));
        Assert.Equal([new ReleaseGate("token_f1", 0.3, null, 0), new ReleaseGate("cost_usd", null, null, null, -0.1, false)], lifecycle.EvaluationGates);
        Assert.Equal([new ReleaseGate("thumbs_up_rate", null, null, -0.02) { MinRequests = 200 }, new ReleaseGate("latency_p95", null, null, null, -0.1)], lifecycle.CanaryGates);
        Assert.Equal(new EvaluationSettings("eval-support", 4, 8, "prompt:rubric/2", "^[A-Z]", null, null), lifecycle.Evaluation);
        Assert.Equal(0.00015, lifecycle.Costs["gpt-4o-mini"].InputPer1K);
        Assert.Equal([new("oncall", "https://hooks.slack.com/services/T0/B0/x", "slack"), new LlmOps.Lifecycle.NotificationChannel("team", "%TEAMS_WEBHOOK%", "teams")], lifecycle.Notify.Channels);
        Assert.Equal(["oncall", "team"], lifecycle.Notify.ChannelsFor("canary_rolled_back").Select(c => c.Name));
        Assert.Empty(lifecycle.Notify.ChannelsFor("poison"));
        Assert.Equal(new BudgetLimits(25, 0.02, 2_000_000), lifecycle.Budgets.Feature);
        Assert.Equal(new BudgetLimits(5, null, null), lifecycle.Budgets.Deployments["deploy:prod/canary"]);
        Assert.Equal(20, lifecycle.Budgets.MinRequests);
        Assert.Equal(new EmbeddingSettings("local", "lexical-ngram", 256, null, 100, 1000), lifecycle.Embedding);
        var drift = lifecycle.Drift;
        Assert.Equal(new DriftReference(DriftReferenceKind.Dataset, "dataset:tickets@0123456789ab"), drift.Reference);
        Assert.Equal(TimeSpan.FromDays(7), drift.CurrentWindow);
        Assert.Equal(TimeSpan.FromHours(12), drift.Cooldown);
        Assert.Equal(new DriftSignalSettings("column:score", "ks", 0.05, 0.01, "retrain"), Assert.Single(drift.Signals));
        Assert.Equal([new ReleaseGate("accuracy", 0.7, null), new ReleaseGate("latency_ms", null, 900)], lifecycle.PromotionGates);
    }

    [Theory]
    // sources
    [InlineData("- name: tickets", "- name: Tickets!", "sources[0].name", "lower-case letters")]
    [InlineData("path: raw/tickets/", "path: tickets/", "sources[0].path", "a path under raw/")]
    [InlineData("format: jsonl", "format: xml", "sources[0].format", "one of auto, jsonl, csv, parquet")]
    [InlineData("id_field: id", "id_field: key", "sources[0].id_field", "a field of the schema")]
    [InlineData("on_update: quarantine", "on_update: merge", "sources[0].on_update", "replace")]
    [InlineData("max_decompressed_mb: 512", "max_decompressed_mb: 0", "sources[0].max_decompressed_mb", "1")]
    [InlineData("max_compression_ratio: 100", "max_compression_ratio: 1", "sources[0].max_compression_ratio", "2")]
    [InlineData("email: { type: string, format: email }", "email: { type: string, format: phone }", "sources[0].schema.email.format", "one of email, uri, date")]
    [InlineData("score: { type: number }", "score: { required: true }", "sources[0].schema.score.type", "one of string, integer")]
    [InlineData("created: { type: datetime }", "created: { type: datetime, index: true }", "sources[0].schema.created.index", "one of type, required, format")]
    // quality
    [InlineData("max_quarantine_rate: 0.2", "max_quarantine_rate: 2", "quality.max_quarantine_rate", "1")]
    [InlineData("- { rule: not_null, field: body }", "- { rule: maybe, field: body }", "quality.rules[0].rule", "not_null")]
    [InlineData("- { rule: unique, field: id }", "- { rule: unique, field: nope }", "quality.rules[1].field", "a field of a source schema")]
    [InlineData("{ rule: length, field: body, min: 1, max: 100 }", "{ rule: length, field: body }", "quality.rules[2]", "min, max or both")]
    [InlineData("values: [a, b]", "values: []", "quality.rules[3].values", "a non-empty list")]
    [InlineData(@"pattern: '^T-\d+$'", "pattern: '(['", "quality.rules[4].pattern", "a .NET regular expression")]
    // preprocessing
    [InlineData("version: v3", "version: ''", "preprocessing.version", "a non-empty value")]
    [InlineData("types: [email, phone]", "types: [email, dna]", "preprocessing.pii.types", "types from")]
    [InlineData("name: order_number", "name: Order", "preprocessing.pii.custom[0].name", "lower-case letters")]
    [InlineData(@"pattern: 'ORD-\d+'", "pattern: '(['", "preprocessing.pii.custom[0].pattern", "a .NET regular expression")]
    [InlineData("tokenizer: o200k_base", "tokenizer: gpt2", "preprocessing.chunking.tokenizer", "cl100k_base")]
    [InlineData("max_tokens: 128", "max_tokens: 8", "preprocessing.chunking.max_tokens", "16")]
    [InlineData("dedup: false", "dedupe: false", "preprocessing.dedupe", "one of version, clean, pii, dedup, chunking")]
    // embedding
    [InlineData("provider: local", "provider: cohere", "embedding.provider", "local")]
    [InlineData("model: lexical-ngram", "model: 'bad model'", "embedding.model", "letters, digits")]
    [InlineData("dimensions: 256", "dimensions: 5000", "embedding.dimensions", "at most 4096")]
    // drift
    [InlineData("reference: dataset:tickets@0123456789ab", "reference: yesterday", "drift.reference", "champion, previous or a dataset version id")]
    [InlineData("current: since 7d", "current: since forever", "drift.current", "latest, or 'since")]
    [InlineData("cooldown: 12h", "cooldown: soon", "drift.cooldown", "a duration")]
    [InlineData("test: ks", "test: ttest", "drift.signals[0].test", "one of")]
    [InlineData("schedule: \"0 0 6 * * *\"", "schedule: \"daily\"", "drift.schedule", "NCRONTAB")]
    // gates
    [InlineData("- { metric: accuracy, min: 0.7 }", "- { metric: accuracy }", "gates.promote[0]", "min, max or both")]
    [InlineData("- { metric: accuracy, min: 0.7 }", "- { metric: accuracy, min: 0.9, max: 0.1 }", "gates.promote[0].max", "at least min")]
    [InlineData("- { metric: latency_ms, max: 900 }", "- { metric: accuracy, max: 900 }", "gates.promote[1].metric", "a metric no other gate names")]
    [InlineData("- { metric: latency_ms, max: 900 }", "- latency_ms", "gates.promote[1]", "a mapping with metric")]
    [InlineData("- { metric: accuracy, min: 0.7 }", "- { metric: accuracy, min: 0.7, min_absolute_change: 0 }", "gates.promote[0].min_absolute_change", "one of metric, min, max")]
    [InlineData("- { metric: token_f1, min: 0.3, min_absolute_change: 0 }", "- { metric: token_f1 }", "gates.evaluation[0]", "min_relative_change")]
    [InlineData("greater_is_better: false }", "greater_is_better: lower }", "gates.evaluation[1].greater_is_better", "true or false")]
    [InlineData("- { metric: thumbs_up_rate, min_absolute_change: -0.02, min_requests: 200 }", "- { metric: bleu, min_absolute_change: -0.02, min_requests: 200 }", "gates.canary", "a metric of production traces")]
    [InlineData("min_requests: 200 }", "min_requests: 0.5 }", "gates.canary[0].min_requests", "a whole number of at least 1")]
    // evaluation and costs
    [InlineData("k: 4", "k: 0", "evaluation.k", "at least 1")]
    [InlineData("judge: prompt:rubric/2", "judge: model:rubric/2", "evaluation.judge", "a registered prompt")]
    [InlineData("regex: '^[A-Z]'", "regex: '[unclosed'", "evaluation.regex", "a valid regular expression")]
    [InlineData("output_per_1k: 0.0006, cached_input_per_1k: 0.000075 }", "cached_input_per_1k: 0.000075 }", "costs.gpt-4o-mini", "input_per_1k and output_per_1k")]
    // budgets
    [InlineData("cost_per_day: 25", "cost_per_day: lots", "budgets.cost_per_day", "a number")]
    [InlineData("tokens_per_day: 2000000", "tokens_per_day: 0", "budgets.tokens_per_day", "at least 1")]
    [InlineData("{ cost_per_day: 5 }", "{ cost_per_hour: 5 }", "budgets.deployments.deploy:prod/canary.cost_per_hour", "")]
    // notify
    [InlineData("drift_alert: [oncall]", "drift_alrt: [oncall]", "notify.events.drift_alrt", "one of drift_alert")]
    [InlineData("canary_rolled_back: [oncall, team]", "canary_rolled_back: [oncall, pager]", "notify.events.canary_rolled_back", "channels declared under notify.channels")]
    [InlineData("format: teams", "format: discord", "notify.channels.team.format", "slack, teams, json")]
    [InlineData("\"https://hooks.slack.com/services/T0/B0/x\"", "\"hooks.slack.com/x\"", "notify.channels.oncall.webhook", "an http(s) URL")]
    public void EveryRule_OneBrokenValue_OneErrorWithItsFieldAndExpectation(string replace, string with, string field, string expected)
    {
        Assert.Contains(replace, Full, StringComparison.Ordinal);
        var yaml = Full.Replace(replace, with, StringComparison.Ordinal);

        var error = Assert.Throws<LifecycleValidationException>(() => LifecycleParser.Parse(yaml));

        var problem = Assert.Single(error.Errors);
        Assert.Equal(field, problem.Field);
        Assert.Contains(expected, problem.Expected, StringComparison.Ordinal);
        var line = yaml.Split('\n').ToList().FindIndex(l => l.Contains(with.Split('\n')[0].Trim(), StringComparison.Ordinal)) + 1;
        Assert.InRange(problem.Line, line - 1, line);
    }

    [Theory]
    [InlineData("previous", DriftReferenceKind.Previous)]
    [InlineData("champion", DriftReferenceKind.Champion)]
    [InlineData("dataset:t@0123456789ab", DriftReferenceKind.Dataset)]
    public void DriftReference_ParsedOnce_RoundTrips(string text, DriftReferenceKind kind)
    {
        var reference = DriftReference.TryParse(text)!;
        Assert.Equal(kind, reference.Kind);
        Assert.Equal(text, reference.ToString());
    }
}

