using System.CommandLine;
using LlmOps.Datasets;
using LlmOps.Errors;
using LlmOps.Storage;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops datasets list | show | verify | diff`.</summary>
internal static class DatasetsCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var sourceFilter = new Option<string?>("--source") { Description = "Only versions of this source." };
        var limit = LimitOption.Create("versions");
        var list = new Command("list", "List dataset versions, newest first.") { sourceFilter, limit, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            var store = await StoreAsync(parse, connection, cancellationToken);
            var (versions, more) = await LimitOption.TakeAsync(store.ListAsync(parse.GetValue(sourceFilter), cancellationToken), parse.GetValue(limit), cancellationToken);
            var table = new Table().AddColumns("Version", "Records", "Chunks", "Quarantined", "Source blob", "Created").Border(TableBorder.Rounded);
            foreach (var v in versions)
            {
                table.AddRow(Markup.Escape(v.Id), $"{v.Records}", $"{v.Chunks}", $"{v.Quality.Quarantined}", Markup.Escape(v.SourceBlob), v.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            }

            console.Write(table);
            LimitOption.Summarize(console, versions.Count, more, "version");
            return 0;
        }));

        var showId = new Argument<string>("id") { Description = "A version id, e.g. dataset:tickets@3f9a1c2e0b7d." };
        var show = new Command("show", "Show a version's manifest: counts, quality, PII, schema and parts.") { showId, connection };
        show.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () => await WithManifestAsync(await StoreAsync(parse, connection, cancellationToken), parse.GetValue(showId)!, manifest =>
        {
            console.Write(ResultTables.Manifest(manifest));
            return Task.FromResult(0);
        }, cancellationToken)));

        var verifyId = new Argument<string>("id") { Description = "The version to verify." };
        var verify = new Command("verify", "Recompute every part's SHA-256 and compare with the manifest; exit 1 on any difference.") { verifyId, connection };
        verify.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            var store = await StoreAsync(parse, connection, cancellationToken);
            return await WithManifestAsync(store, parse.GetValue(verifyId)!, async manifest =>
            {
                if (await store.TombstoneAsync(manifest.Id, cancellationToken) is { } tombstone)
                {
                    console.MarkupLineInterpolated($"[yellow]{manifest.Id}: erased[/] on {tombstone.ErasedAt:u} by {tombstone.Erasure} ({tombstone.RecordsRemoved} record(s) of a data subject removed); its parts are deleted. Successor: {tombstone.Successor}.");
                    return 0;
                }

                var problems = await store.VerifyAsync(manifest, cancellationToken);
                foreach (var problem in problems)
                {
                    console.MarkupLineInterpolated($"[red]{problem}[/]");
                }

                if (problems.Count == 0)
                {
                    console.MarkupLineInterpolated($"[green]{manifest.Id}: all {manifest.Parts.Count} part(s) match their SHA-256.[/]");
                }

                return problems.Count == 0 ? 0 : 1;
            }, cancellationToken);
        }));

        var from = new Argument<string>("from") { Description = "The older version." };
        var to = new Argument<string>("to") { Description = "The newer version." };
        var diff = new Command("diff", "Show records added, removed and changed between two versions.") { from, to, connection };
        diff.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            var store = await StoreAsync(parse, connection, cancellationToken);
            return await WithManifestAsync(store, parse.GetValue(from)!, older =>
                WithManifestAsync(store, parse.GetValue(to)!, async newer =>
                {
                    var result = await store.DiffAsync(older, newer, cancellationToken);
                    console.MarkupLineInterpolated($"{result.From} -> {result.To}: [green]+{result.Added.Count}[/] [red]-{result.Removed.Count}[/] [yellow]~{result.Changed.Count}[/]");
                    foreach (var (mark, ids) in new[] { ("+", result.Added), ("-", result.Removed), ("~", result.Changed) })
                    {
                        foreach (var id in ids)
                        {
                            console.WriteLine($"{mark} {id}");
                        }
                    }

                    return 0;
                }, cancellationToken), cancellationToken);
        }));

        return new Command("datasets", "Inspect immutable dataset versions.") { list, show, verify, diff };
    }

    private static async Task<DatasetStore> StoreAsync(ParseResult parse, Option<string> connection, CancellationToken cancellationToken) => new(await StorageOption.AccountAsync(parse, connection, cancellationToken));

    private static async Task<int> WithManifestAsync(DatasetStore store, string id, Func<DatasetManifest, Task<int>> action, CancellationToken cancellationToken) =>
        await action(await store.GetAsync(id, cancellationToken) ?? throw LlmOpsException.NotFound($"No dataset version {id}. Try `llmops datasets list`."));
}
