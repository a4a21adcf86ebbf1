using System.CommandLine;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using Microsoft.Extensions.Logging.Abstractions;
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
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                console.MarkupLineInterpolated($"[red]No such file: {path.FullName}[/]");
                return 1;
            }

            var storage = new StorageAccount(parse.GetValue(connection)!);
            using var catalog = new LifecycleCatalog(storage);
            if (parse.GetValue(lifecycle) is { } lifecycleFile)
            {
                try
                {
                    await catalog.PublishAsync(await File.ReadAllTextAsync(lifecycleFile.FullName, cancellationToken), lifecycleFile.Name, cancellationToken);
                }
                catch (LifecycleValidationException ex)
                {
                    console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
                    return 1;
                }
            }

            var sourceName = parse.GetValue(source)!;
            var result = await console.Status().StartAsync($"Ingesting {path.Name}...", async _ =>
            {
                var raw = storage.Container(StorageNames.RawContainer);
                await raw.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                var blobName = $"{sourceName}/{path.Name}";
                Azure.Response<Azure.Storage.Blobs.Models.BlobContentInfo> uploaded;
                await using (var content = path.OpenRead())
                {
                    uploaded = await raw.GetBlobClient(blobName).UploadAsync(content, overwrite: true, cancellationToken);
                }

                var ingestor = new DropIngestor(storage, catalog, new LlmOps.Lineage.LineageStore(storage, TimeProvider.System), TimeProvider.System, NullLogger<DropIngestor>.Instance);
                return await ingestor.IngestAsync(sourceName, StorageNames.RawContainer, blobName, uploaded.Value.ETag, cancellationToken);
            });
            console.Write(ResultTables.Ingestion(result));
            return result.Status is IngestionStatus.Published or IngestionStatus.Unchanged ? 0 : 1;
        });
        return command;
    }
}
