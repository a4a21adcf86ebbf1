using System.CommandLine;
using LlmOps.Evaluation;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops eval retrieval QUERIES [--index ID | --feature NAME] [-k 5] [--experiment NAME]`.</summary>
internal static class EvalCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var queries = new Argument<FileInfo>("queries") { Description = "JSON Lines: {\"query\": \"...\", \"relevant\": [\"tickets:T-1001#0000\", ...]} per line." };
        var index = new Option<string?>("--index") { Description = "The index version (default: the newest of --feature, or of the only feature with indexes)." };
        var feature = new Option<string?>("--feature") { Description = "Score the newest index of this feature." };
        var k = new Option<int>("-k", "--top") { Description = "Cut-off for recall@k and nDCG@k.", DefaultValueFactory = _ => 5 };
        var experiment = new Option<string>("--experiment") { Description = "The experiment the run is logged to.", DefaultValueFactory = _ => RetrievalEvaluator.DefaultExperiment };
        var retrieval = new Command("retrieval", "Score an index on a labeled query set (recall@k, MRR, nDCG@k) and log it as a run.") { queries, index, feature, k, experiment, connection };
        retrieval.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var set = RetrievalEvaluator.ParseQueries(await File.ReadAllTextAsync(parse.GetValue(queries)!.FullName, cancellationToken));
            var result = await services.Evaluator.EvaluateAsync(set, parse.GetValue(index), parse.GetValue(k), parse.GetValue(experiment)!, parse.GetValue(feature), cancellationToken);
            console.MarkupLineInterpolated($"{result.IndexId}, {result.Queries} queries: recall@{result.K} {result.RecallAtK:0.000}, MRR {result.Mrr:0.000}, nDCG@{result.K} {result.NdcgAtK:0.000}");
            console.MarkupLineInterpolated($"Logged as {result.RunId} (llmops runs show {result.RunId}).");
            return 0;
        }));
        return new Command("eval", "Evaluations logged as experiment runs.") { retrieval };
    }
}
