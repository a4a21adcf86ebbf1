using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmOps.Notifications;

/// <summary>
/// The queue trigger on <c>notifications</c>: posts one outbox row to its webhook. A failure is retried by a new
/// message that becomes visible after the backoff (<see cref="NotificationOptions"/>); after the last attempt the row
/// is marked failed and the message dead-lettered (<c>llmops poison replay</c> tries again). A delivered row is never
/// posted again, and an attempt claims the row first, so two copies of a message do not both post.
/// </summary>
public sealed class NotificationDeliverer(StorageAccount storage, IOptions<NotificationOptions> options, IConfiguration configuration, TimeProvider clock, ILogger<NotificationDeliverer> logger) : IQueueTriggerHandler
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<HandlerOutcome> HandleAsync(QueueTriggerInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        NotificationOutbox.DeliveryMessage? delivery;
        try
        {
            delivery = JsonSerializer.Deserialize<NotificationOutbox.DeliveryMessage>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            return HandlerOutcome.DeadLetter("not a notification delivery message: " + ex.Message);
        }

        if (delivery?.Row is not { Length: > 0 } key)
        {
            return HandlerOutcome.DeadLetter("not a notification delivery message: it names no outbox row");
        }

        var table = storage.Table(StorageNames.NotificationsTable);
        NotificationRow row;
        try
        {
            row = (await table.GetEntityAsync<NotificationRow>(NotificationRow.Partition, key, cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return HandlerOutcome.DeadLetter($"no outbox row {key} in table {StorageNames.NotificationsTable}");
        }

        if (row.Status == NotificationRow.Delivered)
        {
            return HandlerOutcome.Done;
        }

        var settings = options.Value;
        if (Resolve(row.Webhook) is not { } webhook)
        {
            return HandlerOutcome.DeadLetter($"the webhook of channel {row.Channel} is the app setting {row.Webhook.Trim('%')}, which is not set (set it, then `llmops poison replay`)");
        }

        // Claim the attempt: a second copy of this message, handled at the same time, finds the row changed and stops.
        row.Attempts++;
        row.NextAttemptAt = null;
        try
        {
            row.ETag = (await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken)).Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return HandlerOutcome.Done;
        }

        var error = await PostAsync(webhook, row, settings.RequestTimeout, cancellationToken);
        if (error is null)
        {
            row.Status = NotificationRow.Delivered;
            row.DeliveredAt = clock.GetUtcNow();
            row.LastError = null;
            await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, cancellationToken);
            logger.LogInformation("Notification {Event} delivered to {Channel} (attempt {Attempt})", row.EventId, row.Channel, row.Attempts);
            return HandlerOutcome.Done;
        }

        row.LastError = error;
        if (row.Attempts >= settings.MaxAttempts)
        {
            row.Status = NotificationRow.Failed;
            await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, cancellationToken);
            return HandlerOutcome.DeadLetter($"webhook of channel {row.Channel} failed {row.Attempts} times, last: {error}");
        }

        var delay = settings.RetryDelay(row.Attempts);
        row.NextAttemptAt = clock.GetUtcNow() + delay;
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace, cancellationToken);
        await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(NotificationOutbox.Message(row.RowKey), visibilityTimeout: delay, cancellationToken: cancellationToken);
        logger.LogWarning("Notification {Event} to {Channel} failed (attempt {Attempt} of {Max}): {Error}; next in {Delay}", row.EventId, row.Channel, row.Attempts, settings.MaxAttempts, error, delay);
        return HandlerOutcome.Done;
    }

    private string? Resolve(string webhook) =>
        NotificationChannel.IsSetting(webhook) ? configuration[webhook.Trim('%')] is { Length: > 0 } value ? value : null : webhook;

    /// <summary>Posts the row's body; null when the webhook answered 2xx, else what went wrong.</summary>
    private static async Task<string?> PostAsync(string webhook, NotificationRow row, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook)
        {
            Content = new StringContent(NotificationBody.Create(row), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation("X-LlmOps-Event-Id", row.EventId);
        request.Headers.TryAddWithoutValidation("X-LlmOps-Event-Kind", row.Kind);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            using var response = await Http.SendAsync(request, timer.Token);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var answer = await response.Content.ReadAsStringAsync(timer.Token);
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {(answer.Length > 300 ? answer[..300] : answer)}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0} s";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }
}
