using System.Text.Json;
using LlmOps.Embeddings;
using LlmOps.Triggers;
using LlmOps.Datasets;

namespace LlmOps.Embeddings;

/// <summary>
/// Handles the dataset-versions queue: builds each announced version's embedding index version (incrementally: only
/// chunks no earlier index of the source embedded with the same model). The publisher catalogues the version.
/// </summary>
public sealed class DatasetVersionIndexer(EmbeddingRefresher embeddings) : IQueueTriggerHandler
{
    public async Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DatasetVersionAnnouncement? announcement;
        try
        {
            announcement = JsonSerializer.Deserialize<DatasetVersionAnnouncement>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            return HandlerOutcome.DeadLetter($"Message {message.MessageId} on '{message.Queue}' is not a dataset version announcement: {ex.Message}");
        }

        if (announcement is null || string.IsNullOrEmpty(announcement.Id) || string.IsNullOrEmpty(announcement.Source))
        {
            return HandlerOutcome.DeadLetter($"Message {message.MessageId} on '{message.Queue}' lacks the version id or source.");
        }

        await embeddings.RefreshAsync(announcement.Id, cancellationToken);
        return HandlerOutcome.Done;
    }
}
