namespace LlmOps.Triggers;

/// <summary>
/// What is known of a poisoned queue message beside its unchanged body (llmops-hosts/poisonnotes/&lt;queue&gt;/&lt;id&gt;.json):
/// the attempts it had, the last error, when it was poisoned, and how often a replay failed again.
/// </summary>
public sealed record PoisonNote(long Attempts, string Error, DateTimeOffset PoisonedAt, int Replays)
{
    public static string PathFor(string queue, string poisonMessageId) => $"poisonnotes/{queue}/{poisonMessageId}.json";
}
