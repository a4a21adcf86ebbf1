using System.CommandLine;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Evaluation;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>
/// `llmops eval retrieval QUERIES ...` (an index on a query set), `llmops eval set create FILE --name N --feature F`
/// (an evaluation set) and `llmops eval run --target prompt:x/3 [--dataset ID] ...` (a prompt version, logged as a run).
/// </summary>
internal static class EvalCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var queries = new Argument<FileInfo>("queries") { Description = "JSON Lines: {\"query\": \"...\", \"relevant\": [\"tickets:T-1001#0000\", ...]} per line (chunk or record ids)." };
        var index = new Option<string?>("--index") { Description = "The index version (default: the newest of --feature, or of the only feature with indexes)." };
        var feature = new Option<string?>("--feature") { Description = "Score the newest index of this feature." };
        var k = new Option<int>("-k", "--top") { Description = "Cut-off for recall@k and nDCG@k.", DefaultValueFactory = _ => 5 };
        var experiment = new Option<string>("--experiment") { Description = "The experiment the run is logged to.", DefaultValueFactory = _ => RetrievalEvaluator.DefaultExperiment };
        var relevance = new Option<RelevanceUnit>("--relevance")
        {
            Description = "What the relevant ids name: chunk, record, or auto (chunks when any id is a chunk of the index).",
            DefaultValueFactory = _ => RelevanceUnit.Auto,
        };
        var store = new Option<string?>("--store") { Description = "Which vector store answers: exact or azure-ai-search (the version it mirrors); default: the lifecycle's embedding.store." };
        store.AcceptOnlyFromAmong(LlmOps.Lifecycle.EmbeddingSettings.ExactStore, LlmOps.Lifecycle.EmbeddingSettings.AzureAISearchStore);
        var retrieval = new Command("retrieval", "Score an index on a labeled query set (recall@k, MRR, nDCG@k) and log it as a run.") { queries, index, feature, k, experiment, relevance, store, connection };
        retrieval.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var set = RetrievalEvaluator.ParseQueries(await File.ReadAllTextAsync(parse.GetValue(queries)!.FullName, cancellationToken));
            var result = await services.Evaluator.EvaluateAsync(set, parse.GetValue(index), parse.GetValue(k), parse.GetValue(experiment)!, parse.GetValue(feature), parse.GetValue(relevance), parse.GetValue(store), cancellationToken);
            console.MarkupLineInterpolated($"{result.IndexId} on {result.Store}, {result.Queries} queries: recall@{result.K} {result.RecallAtK:0.000}, MRR {result.Mrr:0.000}, nDCG@{result.K} {result.NdcgAtK:0.000}");
            console.MarkupLineInterpolated($"Logged as {result.RunId} (llmops runs show {result.RunId}).");
            return 0;
        }));
        return new Command("eval", "Evaluations logged as experiment runs.") { retrieval, SetCommand(console), RunCommand(console) };
    }

    private static Command SetCommand(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var file = new Argument<FileInfo>("file") { Description = "JSON Lines: {\"input\": ..., \"expected\": ..., \"relevant\": [chunk ids], \"tags\": [...]} per line." };
        var name = new Option<string>("--name") { Description = "The set's name: its versions are dataset:eval-<name>@<hash>.", Required = true };
        var feature = new Option<string>("--feature") { Description = "The feature whose PII redaction the set goes through.", Required = true };
        var create = new Command("create", "Publish an evaluation set from a file as an immutable dataset version (PII redacted, in lineage).") { file, name, feature, connection };
        create.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var path = parse.GetValue(file)!.FullName;
            var lifecycle = await services.Lifecycles.GetAsync(parse.GetValue(feature)!, cancellationToken)
                ?? throw LlmOpsException.NotFound($"Feature '{parse.GetValue(feature)}' has no published lifecycle (llmops lifecycle publish FILE).");
            var content = await File.ReadAllBytesAsync(path, cancellationToken);
            var examples = EvaluationSets.ParseJsonl(System.Text.Encoding.UTF8.GetString(content));
            var manifest = await services.EvaluationSets.PublishAsync(lifecycle, parse.GetValue(name)!, examples, EvaluationSets.FileNode(path, content), cancellationToken);
            console.MarkupLineInterpolated($"[green]{manifest.Id}[/]: {manifest.Records} examples{(manifest.Pii.Count == 0 ? "" : $", PII redacted: {string.Join(", ", manifest.Pii.Select(p => $"{p.Key} {p.Value}"))}")}.");
            return 0;
        }));
        return new Command("set", "Evaluation sets.") { create };
    }

    private static Command RunCommand(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var target = new Option<string>("--target") { Description = "The prompt version to evaluate: prompt:<name>/<n>, prompt:<name>@<alias>, or prompt:<name> (its champion).", Required = true };
        var experiment = new Option<string?>("--experiment") { Description = "The experiment the run is logged to (default: eval-<feature>)." };
        var format = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var options = new EvaluationOptions();
        var run = new Command("run", "Evaluate a prompt version on an evaluation set with every grader; log params, metrics and per-example results as a run.") { target, experiment, format, connection };
        foreach (var option in options.All)
        {
            run.Options.Add(option);
        }

        run.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var json = parse.GetValue(format) == "json";
            var request = options.Read(parse) with { Experiment = parse.GetValue(experiment) };
            var result = await services.Gates.EvaluateAsync(parse.GetValue(target)!, request, json ? null : new Progress<string>(line => console.MarkupLineInterpolated($"[grey]{line}[/]")), cancellationToken);
            if (json)
            {
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new { result.RunId, result.Target, result.Model, result.Dataset, Metrics = result.Metrics.Values, result.Calibration }, JsonSerializerOptions.Web));
                return 0;
            }

            console.Write(GateTables.Run(result));
            console.MarkupLineInterpolated($"Logged as {result.RunId} (llmops runs show {result.RunId}); per-example results in its artifact {EvaluationRunner.ResultsArtifact}.");
            return 0;
        }));
        return run;
    }
}
