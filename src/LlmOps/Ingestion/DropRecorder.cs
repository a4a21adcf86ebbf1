using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.Ingestion;

/// <summary>
/// Runs on every blob version under raw/{source}/{name}: records the drop in the drops table and announces it
/// on the drops queue. Upserts keyed by name and ETag make a retry or a restart harmless.
/// </summary>
public sealed class DropRecorder(StorageAccount storage, TimeProvider clock, ILogger<DropRecorder> logger) : IBlobTriggerHandler
{
    public async Task HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var source = blob.Bindings.TryGetValue("source", out var s) ? s : "default";
        var etag = blob.ETag.ToString();
        var record = new DropRecord
        {
            PartitionKey = TableKey.Encode(source),
            RowKey = TableKey.Encode($"{blob.Name}|{etag}"),
            BlobName = blob.Name,
            BlobETag = etag,
            ReceivedAt = clock.GetUtcNow(),
        };
        var table = storage.Table(StorageNames.DropsTable);
        await table.CreateIfNotExistsAsync(cancellationToken);
        await table.UpsertEntityAsync(record, TableUpdateMode.Replace, cancellationToken);

        var queue = storage.Queue(StorageNames.DropsQueue);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var announcement = new DropAnnouncement(source, blob.Name, etag, record.ReceivedAt);
        await queue.SendMessageAsync(JsonSerializer.Serialize(announcement, JsonSerializerOptions.Web), cancellationToken);
        logger.LogInformation("Recorded drop {Blob} ({ETag}) from source {Source}", blob.Path, etag, source);
    }
}
