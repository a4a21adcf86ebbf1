using System.CommandLine;
using LlmOps.Samples;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops samples api-docs --out DIR`: a seeded sample of the SDK's API documentation and its labeled queries.</summary>
internal static class SamplesCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder the files are written to (created if missing).", Required = true };
        var types = new Option<int>("--types") { Description = "Documented types queried (one query each).", DefaultValueFactory = _ => 300 };
        var members = new Option<int>("--members-per-type") { Description = "Members of each queried type in the sample (its relevant records).", DefaultValueFactory = _ => 6 };
        var distractors = new Option<int>("--distractors") { Description = "Members of other types in the sample.", DefaultValueFactory = _ => 1200 };
        var heldOut = new Option<double>("--held-out") { Description = "Share of the queries held out for reporting.", DefaultValueFactory = _ => 0.5 };
        var seed = new Option<int>("--seed") { Description = "The same SDK and seed give the same sample.", DefaultValueFactory = _ => 2026 };
        var apiDocs = new Command("api-docs", "Write a seeded sample of the .NET SDK's XML API documentation (members.jsonl, one record per member) and its labeled queries (queries.dev.jsonl, queries.heldout.jsonl) for the api-docs feature.")
        {
            output, types, members, distractors, heldOut, seed,
        };
        apiDocs.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, () =>
        {
            var folder = ApiDocsCorpus.FindReferenceDocs();
            var corpus = ApiDocsCorpus.Load(folder);
            var set = ApiDocsQuerySet.Create(corpus, parse.GetValue(types), parse.GetValue(members), parse.GetValue(distractors), parse.GetValue(heldOut), parse.GetValue(seed));
            var target = parse.GetValue(output)!.FullName;
            set.Write(target);
            console.MarkupLineInterpolated($"Read {corpus.Count:N0} documented members from {folder}.");
            console.MarkupLineInterpolated($"[green]Wrote[/] {Path.Combine(target, ApiDocsQuerySet.RecordsFile)} ({set.Records.Count:N0} records), {ApiDocsQuerySet.DevelopmentFile} ({set.Development.Count} queries) and {ApiDocsQuerySet.HeldOutFile} ({set.HeldOut.Count} queries).");
            console.MarkupLine("Next: llmops lifecycle publish samples/api-docs.lifecycle.yaml; llmops ingest <out>/members.jsonl --source members; llmops eval retrieval <out>/queries.heldout.jsonl --feature api-docs -k 10");
            return Task.FromResult(0);
        }));
        return new Command("samples", "Sample data for the sample features.") { apiDocs };
    }
}
