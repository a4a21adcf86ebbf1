using System.CommandLine;
using System.Globalization;
using LlmOps.Errors;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops search "query" [--index ID | --feature NAME] [-k N] [--filter field=value] [--store exact|azure-ai-search]`.</summary>
internal static class SearchCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var connection = StorageOption.Create();
        var query = new Argument<string>("query") { Description = "What to look for." };
        var index = new Option<string?>("--index") { Description = "The index version (default: the newest of --feature, or of the only feature with indexes)." };
        var feature = new Option<string?>("--feature") { Description = "Search the newest index of this feature." };
        var k = new Option<int>("-k", "--top") { Description = "How many hits.", DefaultValueFactory = _ => 5 };
        var filters = new Option<string[]>("--filter") { Description = "Keep only chunks whose field (or language, record) has this value: field=value; repeat for more." };
        var store = new Option<string?>("--store") { Description = "Which vector store answers: exact (the shard index) or azure-ai-search (the version it mirrors); default: the lifecycle's embedding.store." };
        store.AcceptOnlyFromAmong(Lifecycle.EmbeddingSettings.ExactStore, Lifecycle.EmbeddingSettings.AzureAISearchStore);
        var command = new Command("search", "Top-k cosine search over an embedding index version (exact, or on Azure AI Search when the lifecycle stores vectors there).") { query, index, feature, k, filters, store, connection };
        command.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            using var services = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            var conditions = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(filters) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                conditions[eq > 0 ? pair[..eq] : throw LlmOpsException.Invalid($"--filter '{pair}' is not field=value.")] = pair[(eq + 1)..];
            }

            var result = await services.Search.SearchAsync(parse.GetValue(query)!, parse.GetValue(index), parse.GetValue(k), conditions, parse.GetValue(feature), parse.GetValue(store), cancellationToken);
            console.MarkupLineInterpolated($"{result.IndexId} ({result.Model}) on {result.Store}, {result.Candidates} candidate chunk(s):");
            var table = new Table().AddColumns("Score", "Chunk", "Text").Border(TableBorder.Rounded);
            foreach (var hit in result.Hits)
            {
                var text = hit.Chunk.Text.Length > 160 ? hit.Chunk.Text[..160] + "..." : hit.Chunk.Text;
                table.AddRow(hit.Score.ToString("0.000", CultureInfo.InvariantCulture), Markup.Escape(hit.Chunk.ChunkId), Markup.Escape(text));
            }

            console.Write(table);
            return 0;
        }));
        return command;
    }
}
