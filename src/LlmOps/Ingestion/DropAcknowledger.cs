using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Ingestion;

/// <summary>Handles the drops queue: writes the acknowledgement record for each announced drop.</summary>
public sealed class DropAcknowledger(StorageAccount storage, TimeProvider clock) : IQueueTriggerHandler
{
    public async Task HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DropAnnouncement? announcement;
        try
        {
            announcement = JsonSerializer.Deserialize<DropAnnouncement>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Message {message.MessageId} on '{message.Queue}' is not a drop announcement: {ex.Message}", ex);
        }

        if (announcement is null || string.IsNullOrEmpty(announcement.BlobName) || string.IsNullOrEmpty(announcement.Source))
        {
            throw new FormatException($"Message {message.MessageId} on '{message.Queue}' lacks source or blobName.");
        }

        var table = storage.Table(StorageNames.DropAcknowledgementsTable);
        await table.CreateIfNotExistsAsync(cancellationToken);
        await table.UpsertEntityAsync(
            new DropAcknowledgement
            {
                PartitionKey = TableKey.Encode(announcement.Source),
                RowKey = TableKey.Encode($"{announcement.BlobName}|{announcement.BlobETag}"),
                BlobName = announcement.BlobName,
                BlobETag = announcement.BlobETag,
                MessageId = message.MessageId,
                AcknowledgedAt = clock.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }
}
