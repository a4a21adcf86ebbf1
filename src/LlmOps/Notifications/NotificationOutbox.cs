using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Telemetry;

namespace LlmOps.Notifications;

/// <summary>
/// Raises events to the channels the lifecycles route them to: one outbox row per event and webhook, then one
/// message on the <c>notifications</c> queue that <see cref="NotificationDeliverer"/> delivers. The row is keyed by the
/// event id and the webhook, so an event raised again (a retried drift check, the same poisoned message) adds nothing;
/// a raise that stopped between the row and its message sends the message on the next raise.
/// </summary>
public sealed class NotificationOutbox(StorageAccount storage, LifecycleCatalog lifecycles, TimeProvider clock)
{
    private TableClient Table => storage.Table(StorageNames.NotificationsTable);

    /// <summary>Queues the event for every channel that routes its kind; returns the deliveries newly queued.</summary>
    public async Task<int> RaiseAsync(NotificationEvent notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        LlmOpsTelemetry.NotificationEvents.Add(1, new KeyValuePair<string, object?>("llmops.event", notification.Kind), new("llmops.feature", notification.Feature));
        var targets = (await lifecycles.ListAsync(cancellationToken))
            .Where(l => notification.Feature is null || l.Feature == notification.Feature)
            .SelectMany(l => l.Notify.ChannelsFor(notification.Kind).Select(channel => (l.Feature, Channel: channel)))
            .DistinctBy(t => t.Channel.Webhook, StringComparer.Ordinal)
            .ToList();
        var queued = 0;
        foreach (var (feature, channel) in targets)
        {
            var row = new NotificationRow
            {
                PartitionKey = NotificationRow.Partition,
                RowKey = Key(notification.Id, channel.Webhook),
                EventId = notification.Id,
                Kind = notification.Kind,
                Feature = notification.Feature ?? feature,
                Channel = channel.Name,
                Webhook = channel.Webhook,
                Format = channel.Format,
                Title = Clip(notification.Title, 500),
                Text = Clip(notification.Text, 8000),
                Evidence = notification.Evidence,
                RaisedAt = notification.At,
            };
            try
            {
                row.ETag = (await Table.AddEntityAsync(row, cancellationToken)).Headers.ETag ?? ETag.All;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                row = (await Table.GetEntityAsync<NotificationRow>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken)).Value;
                if (row.Queued)
                {
                    continue;
                }
            }

            await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(Message(row.RowKey), cancellationToken);
            row.Queued = true;
            await Table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
            queued++;
        }

        return queued;
    }

    /// <summary>The outbox, newest first: every delivery, or those in one status (pending, delivered, failed).</summary>
    public async Task<IReadOnlyList<NotificationRow>> ListAsync(string? status = null, int max = 50, CancellationToken cancellationToken = default)
    {
        var filter = status is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {NotificationRow.Partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {NotificationRow.Partition} and Status eq {status}");
        var rows = new List<NotificationRow>();
        try
        {
            await foreach (var row in Table.QueryAsync<NotificationRow>(filter, cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }

        return [.. rows.OrderByDescending(r => r.RaisedAt).Take(max)];
    }

    /// <summary>Queues a test event of <paramref name="kind"/> for <paramref name="feature"/> (llmops notify test).</summary>
    public Task<int> RaiseTestAsync(string feature, string kind, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        return RaiseAsync(new NotificationEvent($"test:{feature}:{kind}:{now:O}", kind, feature, $"Test notification for {feature} ({kind})", $"Sent by `llmops notify test` at {now:u}: this channel receives {kind} events.", null, now), cancellationToken);
    }

    internal static string Message(string rowKey) => JsonSerializer.Serialize(new DeliveryMessage(rowKey), JsonSerializerOptions.Web);

    /// <summary>The outbox row of one event and one webhook.</summary>
    public static string Key(string eventId, string webhook) => $"{Hash(eventId)[..24]}-{Hash(webhook)[..12]}";

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    internal sealed record DeliveryMessage(string Row);
}
