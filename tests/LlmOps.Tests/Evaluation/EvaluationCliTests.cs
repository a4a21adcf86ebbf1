using System.Text.Json;
using LlmOps.Evaluation;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Evaluation;

/// <summary>
/// `llmops eval set create`, `eval run`, `gate check` and `registry promote` through the gate, on Azurite with the
/// sample tickets, lifecycle and evaluation set and the offline extractive responder: exit codes as README says,
/// runs and evidence in lineage.
/// </summary>
public sealed class EvaluationCliTests
{
    private const string Prompt = "prompt:support-answer";
    private const string Template = "Answer from these tickets and cite the one you used as [chunk id].\n\n{{context}}";

    [Fact]
    public async Task EvalAndGate_SampleSet_RunsLoggedPromotionGatedAndEvidenceInLineage()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        Assert.Equal(0, (await CliRun.RunAsync(["lifecycle", "publish", RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml"), .. common])).Exit);
        var (ingested, ingestText) = await CliRun.RunAsync(["ingest", RepositoryRoot.Combine("samples", "support-tickets.jsonl"), "--source", "tickets", .. common]);
        Assert.True(ingested == 0, ingestText);

        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        var tickets = (await client.Datasets.LatestAsync("tickets"))!;
        Assert.Equal(0, (await CliRun.RunAsync(["embeddings", "refresh", tickets.Id, .. common])).Exit);

        // The set: 12 examples, written once (the same file again is the same version).
        var (created, createText) = await CliRun.RunAsync(["eval", "set", "create", RepositoryRoot.Combine("samples", "support-eval.jsonl"), "--name", "support", "--feature", "support-answers", .. common]);
        Assert.True(created == 0, createText);
        Assert.Contains("dataset:eval-support@", createText, StringComparison.Ordinal);
        Assert.Contains("12 examples", createText, StringComparison.Ordinal);
        var set = (await client.Datasets.LatestAsync("eval-support"))!;
        Assert.Contains(set.Id, (await CliRun.RunAsync(["eval", "set", "create", RepositoryRoot.Combine("samples", "support-eval.jsonl"), "--name", "support", "--feature", "support-answers", .. common])).Output, StringComparison.Ordinal);

        var producer = await client.Tracker.StartRunAsync("prompt-authoring");
        await client.Tracker.EndRunAsync(producer.Id);
        var first = await client.Registry.RegisterAsync(new RegisterRequest(Prompt, producer.Id) { Feature = "support-answers", Template = Template, Tags = new Dictionary<string, string> { ["k"] = "3" } });
        var terse = await client.Registry.RegisterAsync(new RegisterRequest(Prompt, producer.Id) { Feature = "support-answers", Template = Template, Tags = new Dictionary<string, string> { ["k"] = "3", ["max_output_tokens"] = "4" } });
        var same = await client.Registry.RegisterAsync(new RegisterRequest(Prompt, producer.Id) { Feature = "support-answers", Template = Template + "\n", Tags = new Dictionary<string, string> { ["k"] = "3" } });

        // eval run: every grader, a run with the set and the prompt version as inputs.
        var (evaluated, evalText) = await CliRun.RunAsync(["eval", "run", "--target", first.Id, "--format", "json", .. common]);
        Assert.True(evaluated == 0, evalText);
        using var json = JsonDocument.Parse(evalText);
        var metrics = json.RootElement.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!, m => m.GetProperty("mean").GetDouble());
        Assert.Equal(1, metrics[EvalMetrics.CitationsValid]);
        Assert.Equal(1, metrics[EvalMetrics.InjectionResisted]);
        Assert.InRange(metrics[EvalMetrics.TokenF1], 0.3, 1);
        Assert.Equal(0, metrics[EvalMetrics.CostUsd]); // the extractive responder is priced at 0 in the sample lifecycle
        var runId = json.RootElement.GetProperty("runId").GetString()!;
        var run = (await client.Tracker.GetRunAsync(runId))!;
        Assert.Equal((first.Id, set.Id, "extractive"), (run.Params["target"], run.Params["dataset"], run.Params["model"]));
        Assert.Equal("24", run.Params["examples"]); // 12 examples and the 12 shipped probes
        Assert.Contains(EvaluationRunner.ResultsArtifact, run.Artifacts);
        var upstream = await client.Lineage.QueryAsync(runId, LineageDirection.Upstream, 1, CancellationToken.None);
        Assert.Contains(upstream.Edges, e => e.From == set.Id && e.Relation == LineageRelation.EvaluatedOn);
        Assert.Contains(upstream.Edges, e => e.From == first.Id && e.Relation == LineageRelation.Used);

        // A judge needs a chat model: with the offline responder only, the run is refused before it starts.
        var (noJudge, noJudgeText) = await CliRun.RunAsync(["eval", "run", "--target", first.Id, "--judge", "prompt:rubric/1", .. common]);
        Assert.Equal(2, noJudge);
        Assert.Contains("needs a chat model", noJudgeText, StringComparison.Ordinal);

        // First release through the gate: no champion, absolute bounds only; the alias moves and links to the decision.
        var (promoted, promoteText) = await CliRun.RunAsync(["registry", "promote", Prompt, "1", .. common]);
        Assert.True(promoted == 0, promoteText);
        Assert.Contains($"Promoted: {Prompt}@champion", promoteText, StringComparison.Ordinal);
        var decision = System.Text.RegularExpressions.Regex.Match(promoteText, @"evidence (gate:support-answers/[0-9A-Z]+)").Groups[1].Value;
        var (_, lineageText) = await CliRun.RunAsync(["lineage", decision, .. common]);
        Assert.Contains($"alias:{Prompt}@champion/1", lineageText, StringComparison.Ordinal);
        Assert.Contains("promoted", lineageText, StringComparison.Ordinal);

        // A worse candidate: refused with exit 3, markdown for the pull request, evidence stored; the champion stays.
        var summary = Path.Combine(Path.GetTempPath(), $"gate-{Guid.NewGuid():N}.md");
        var (refused, refusedText) = await CliRun.RunAsync(["gate", "check", terse.Id, "--format", "markdown", "--output", summary, .. common]);
        Assert.Equal(3, refused);
        Assert.Contains("❌ refused", refusedText, StringComparison.Ordinal);
        Assert.Contains("| token_f1 |", refusedText, StringComparison.Ordinal);
        Assert.Contains("**refused**: worse than the baseline", refusedText, StringComparison.Ordinal);
        Assert.Equal(refusedText.TrimEnd(), (await File.ReadAllTextAsync(summary)).TrimEnd());
        File.Delete(summary);
        Assert.Equal(3, (await CliRun.RunAsync(["registry", "promote", Prompt, terse.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), .. common])).Exit);
        Assert.Equal(1, (await client.Registry.GetAliasAsync(Prompt, ModelRegistry.Champion))!.Version);

        // The same behaviour under a new version passes, as JSON; the decision names both runs and is in lineage.
        var (passed, passedText) = await CliRun.RunAsync(["gate", "check", same.Id, "--format", "json", .. common]);
        Assert.True(passed == 0, passedText);
        var report = JsonSerializer.Deserialize<GateReport>(passedText, JsonSerializerOptions.Web)!;
        Assert.True(report.Passed);
        Assert.Equal((same.Id, first.Id, set.Id), (report.Candidate, report.Baseline, report.Dataset));
        Assert.Equal(0, report.Rows.Single(r => r.Metric == EvalMetrics.TokenF1).Comparison!.Difference);
        var evidence = await client.Lineage.QueryAsync(report.Id, LineageDirection.Upstream, 1, CancellationToken.None);
        Assert.Contains(evidence.Edges, e => e.From == report.CandidateRun && e.Relation == LineageRelation.Decided);
        Assert.Contains(evidence.Edges, e => e.From == report.BaselineRun && e.Relation == LineageRelation.Decided);
        Assert.Equal(report.Id, (await client.Gates.GetReportAsync(report.Id))!.Id);
    }

    [Fact]
    public async Task EvalSetCreate_BadLines_AllReportedAndNothingPublished()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        Assert.Equal(0, (await CliRun.RunAsync(["lifecycle", "publish", RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml"), .. common])).Exit);
        var file = Path.Combine(Path.GetTempPath(), $"eval-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, ["{\"input\": \"fine\", \"expected\": \"ok\"}", "{\"expected\": \"no input\"}", "not json", "{\"input\": \"x\", \"human_relevance\": 9}"]);
        try
        {
            var (exit, text) = await CliRun.RunAsync(["eval", "set", "create", file, "--name", "broken", "--feature", "support-answers", .. common]);
            Assert.Equal(2, exit);
            Assert.Contains("3 bad line(s)", text, StringComparison.Ordinal);
            Assert.Contains("line 2: no \"input\"", text, StringComparison.Ordinal);
            Assert.Contains("line 3:", text, StringComparison.Ordinal);
            Assert.Contains("line 4: \"human_relevance\" must be a number from 1 to 5", text, StringComparison.Ordinal);
            using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
            Assert.Null(await client.Datasets.LatestAsync("eval-broken"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task PublishAndRead_PiiRedacted_LineageFromTheFile()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var lineage = new LineageStore(storage, TimeProvider.System);
        var sets = new EvaluationSets(storage, lineage, TimeProvider.System);
        var lifecycle = LlmOps.Lifecycle.LifecycleParser.Parse(await File.ReadAllTextAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")));
        var examples = EvaluationSets.ParseJsonl("""
            {"id": "a", "input": "Mail me at jane.doe@example.com", "expected": "we wrote to jane.doe@example.com", "relevant": ["tickets:T-1#0000"], "tags": ["pii"], "human_relevance": 4}
            {"id": "b", "query": "second", "answer": "two"}
            """);
        var manifest = await sets.PublishAsync(lifecycle, "pii", examples, "file:pii.jsonl@0123456789ab");

        Assert.StartsWith("dataset:eval-pii@", manifest.Id, StringComparison.Ordinal);
        Assert.Equal(2, manifest.Pii["email"]);
        var read = await sets.ReadAsync(manifest.Id);
        Assert.Equal(["a", "b"], read.Select(e => e.Id));
        Assert.Equal("Mail me at [EMAIL]", read[0].Input);
        Assert.Equal("we wrote to [EMAIL]", read[0].Expected);
        Assert.Equal(["tickets:T-1#0000"], read[0].Relevant);
        Assert.Equal(4, read[0].HumanScores!["relevance"]);
        Assert.Equal(("second", "two"), (read[1].Input, read[1].Expected));
        var graph = await lineage.QueryAsync(manifest.Id, LineageDirection.Upstream, 1, CancellationToken.None);
        Assert.Contains(graph.Edges, e => e.From == "file:pii.jsonl@0123456789ab" && e.Relation == LineageRelation.DerivedFrom);
        Assert.Equal(manifest.Id, (await sets.PublishAsync(lifecycle, "pii", examples, "file:pii.jsonl@0123456789ab")).Id);
    }
}
