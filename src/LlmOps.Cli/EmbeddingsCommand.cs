using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops embeddings list | refresh | mirror`.</summary>
internal static class EmbeddingsCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var source = new Option<string?>("--source") { Description = "Only index versions of this source." };
        var limit = LimitOption.Create("index versions");
        var list = new Command("list", "List embedding index versions, newest first.") { source, limit, connection };
        list.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var table = new Table().AddColumns("Index", "Provider / model", "Vectors", "Embedded", "Reused", "Requests", "Created").Border(TableBorder.Rounded);
            var (indexes, more) = await LimitOption.TakeAsync(services.Indexes.ListAsync(parse.GetValue(source), cancellationToken), parse.GetValue(limit), cancellationToken);
            foreach (var index in indexes)
            {
                table.AddRow(
                    Markup.Escape(index.Id),
                    Markup.Escape($"{index.Provider} / {index.Model} ({index.Dimensions})"),
                    $"{index.Vectors}",
                    $"{index.Embedded}",
                    $"{index.Reused}",
                    $"{index.ProviderRequests}",
                    index.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            LimitOption.Summarize(console, indexes.Count, more, "index version");
            return 0;
        }));

        var dataset = new Argument<string>("dataset") { Description = "A dataset version id, e.g. dataset:tickets@3f9a1c2e0b7d, or a source name (its latest version)." };
        var refresh = new Command("refresh", "Build (or confirm) the embedding index version of a dataset version now, as the dataset-versions queue does.") { dataset, connection };
        refresh.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var id = parse.GetValue(dataset)!;
            if (!id.StartsWith("dataset:", StringComparison.Ordinal))
            {
                id = (await services.Datasets.LatestAsync(id, cancellationToken))?.Id
                    ?? throw Errors.LlmOpsException.NotFound($"Source '{id}' has no dataset version yet (llmops datasets list).");
            }

            var result = await console.Status().StartAsync($"Embedding {id}...", _ => services.Refresher.RefreshAsync(id, cancellationToken));
            console.Markup(result.Created ? "[green]Built index:[/] " : "Already built: ");
            console.MarkupLineInterpolated($"{result.Index.Id}: {result.Index.Vectors} vectors; this run embedded {result.Embedded} chunk(s) in {result.ProviderRequests} request(s) and reused {result.Reused}.");
            return 0;
        }));

        var target = new Argument<string>("index") { Description = "An index version id, e.g. index:tickets@3f9a1c2e0b7d/all-minilm-l6-v2-384, or a source name (its newest index version)." };
        var rebuild = new Option<bool>("--rebuild") { Description = "Drop the search index and upload every chunk (after the mirrored version was erased, or to apply a new index definition)." };
        var mirror = new Command("mirror", "Make Azure AI Search hold exactly this index version, sending only the chunks that changed since the version it holds.") { target, rebuild, connection };
        mirror.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var id = parse.GetValue(target)!;
            var manifest = id.StartsWith("index:", StringComparison.Ordinal)
                ? await services.Indexes.GetAsync(id, cancellationToken) ?? throw Errors.LlmOpsException.NotFound($"No index version {id} (llmops embeddings list).")
                : await services.Indexes.ListAsync(id, cancellationToken).FirstOrDefaultAsync(cancellationToken) ?? throw Errors.LlmOpsException.NotFound($"Source '{id}' has no index version yet (llmops embeddings refresh {id}).");
            var result = await console.Status().StartAsync($"Mirroring {manifest.Id}...", _ => services.Mirror.SyncAsync(manifest, parse.GetValue(rebuild), cancellationToken));
            console.MarkupLineInterpolated(result.Outcome switch
            {
                LlmOps.Embeddings.SearchMirrorOutcome.AlreadyMirrored => $"Azure AI Search index {result.SearchIndex} already holds {result.IndexId}.",
                LlmOps.Embeddings.SearchMirrorOutcome.NewerMirrored => $"Azure AI Search index {result.SearchIndex} holds a newer version than {result.IndexId}; it was left as it is.",
                _ => $"Azure AI Search index {result.SearchIndex} now holds {result.IndexId}: {result.Uploaded} chunk(s) uploaded, {result.Deleted} deleted, {result.Unchanged} unchanged, in {result.Requests} request(s).",
            });
            return 0;
        }));

        return new Command("embeddings", "Embedding index versions: list them, build one for a dataset version, or mirror one to Azure AI Search.") { list, refresh, mirror };
    }
}
