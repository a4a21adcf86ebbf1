namespace LlmOps.Lifecycle;

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

    /// <summary>Whether a webhook names an app setting (<c>%NAME%</c>) instead of being the URL.</summary>
    public static bool IsSetting(string webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return webhook.Length > 2 && webhook[0] == '%' && webhook[^1] == '%';
    }
}
