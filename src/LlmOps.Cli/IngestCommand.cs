using System.CommandLine;
using LlmOps.Errors;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>`llmops ingest FILE --source NAME`: drops a local file under raw/ and runs the same ETL the trigger runs.</summary>
internal static class IngestCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var file = new Argument<FileInfo>("file") { Description = "The drop: .jsonl, .csv or .parquet, optionally .gz." };
        var source = new Option<string>("--source") { Description = "The source (as named in a lifecycle file).", Required = true };
        var lifecycle = new Option<FileInfo?>("--lifecycle") { Description = "Publish this lifecycle file first." };
        var connection = StorageOption.Create();
        var command = new Command("ingest", "Upload FILE to raw/<source>/ and ingest it now: validate, clean, redact, dedup, chunk, publish a dataset version.")
        {
            file, source, lifecycle, connection,
        };
        command.SetAction((parse, cancellationToken) => CliErrors.RunAsync(console, async () =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw LlmOpsException.NotFound($"No such file: {path.FullName}");
            }

            using var client = await StorageOption.ClientAsync(parse, connection, cancellationToken);
            if (parse.GetValue(lifecycle) is { } lifecycleFile)
            {
                await client.Lifecycles.PublishAsync(await File.ReadAllTextAsync(lifecycleFile.FullName, cancellationToken), lifecycleFile.Name, cancellationToken);
            }

            var result = await console.Status().StartAsync($"Ingesting {path.Name}...", _ => client.IngestFileAsync(path.FullName, parse.GetValue(source)!, cancellationToken));
            console.Write(ResultTables.Ingestion(result));
            return result.Status is IngestionStatus.Published or IngestionStatus.Unchanged ? 0 : 1;
        }));
        return command;
    }
}
