using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Embeddings;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Datasets;

/// <summary>
/// Handles the dataset-versions queue: indexes each announced version in table <c>datasetversions</c>, then builds its
/// embedding index version (incrementally: only chunks no earlier index of the source embedded with the same model).
/// </summary>
public sealed class DatasetVersionIndexer(StorageAccount storage, EmbeddingRefresher embeddings, TimeProvider clock) : IQueueTriggerHandler
{
    public async Task HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DatasetVersionAnnouncement? announcement;
        try
        {
            announcement = JsonSerializer.Deserialize<DatasetVersionAnnouncement>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Message {message.MessageId} on '{message.Queue}' is not a dataset version announcement: {ex.Message}", ex);
        }

        if (announcement is null || string.IsNullOrEmpty(announcement.Id) || string.IsNullOrEmpty(announcement.Source))
        {
            throw new FormatException($"Message {message.MessageId} on '{message.Queue}' lacks the version id or source.");
        }

        var table = storage.Table(StorageNames.DatasetVersionsTable);
        await table.CreateIfNotExistsAsync(cancellationToken);
        await table.UpsertEntityAsync(
            new DatasetVersionEntry
            {
                PartitionKey = TableKey.Encode(announcement.Source),
                RowKey = TableKey.Encode(announcement.Id[(announcement.Id.IndexOf('@', StringComparison.Ordinal) + 1)..]),
                VersionId = announcement.Id,
                Feature = announcement.Feature,
                Manifest = announcement.Manifest,
                Records = announcement.Records,
                Chunks = announcement.Chunks,
                MessageId = message.MessageId,
                AnnouncedAt = clock.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);
        await embeddings.RefreshAsync(announcement.Id, cancellationToken);
    }
}
