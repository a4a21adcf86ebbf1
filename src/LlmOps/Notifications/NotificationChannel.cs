namespace LlmOps.Notifications;

/// <summary>
/// Where a lifecycle's notifications go: a webhook (<see cref="Webhook"/> is a URL, or <c>%SETTING%</c> naming an app
/// setting or environment variable that holds it, so the secret stays out of the file) and the body it expects.
/// </summary>
public sealed record NotificationChannel(string Name, string Webhook, string Format)
{
    /// <summary>Slack incoming webhooks: <c>{"text": ...}</c> with mrkdwn (Teams and most chat hooks accept it too).</summary>
    public const string Slack = "slack";

    /// <summary>Teams incoming webhooks: a MessageCard with a title and an "Evidence" button.</summary>
    public const string Teams = "teams";

    /// <summary>The event itself as JSON, for your own receiver.</summary>
    public const string Json = "json";

    public static IReadOnlyList<string> Formats { get; } = [Slack, Teams, Json];
}
