using LlmOps.Storage;

namespace LlmOps.Notifications;

/// <summary>
/// One delivery of one event to one webhook in table <c>notifications</c> (PartitionKey <c>outbox</c>, RowKey the
/// event's and the webhook's hashes): the outbox row that makes each delivery happen once.
/// </summary>
public sealed class NotificationRow : TableRow
{
    public const string Partition = "outbox";

    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public string EventId { get; set; } = "";

    public string Kind { get; set; } = "";

    public string? Feature { get; set; }

    public string Channel { get; set; } = "";

    /// <summary>As the lifecycle names it: a URL or <c>%SETTING%</c> (never the resolved secret).</summary>
    public string Webhook { get; set; } = "";

    public string Format { get; set; } = "";

    public string Title { get; set; } = "";

    public string Text { get; set; } = "";

    public string? Evidence { get; set; }

    public DateTimeOffset RaisedAt { get; set; }

    public string Status { get; set; } = Pending;

    /// <summary>True once its delivery message is on the queue.</summary>
    public bool Queued { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }
}
