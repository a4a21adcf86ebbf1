namespace LlmOps.Triggers;

/// <summary>What a replay or discard did to one poisoned input: replayed (and removed), failed again (kept, its count up), or discarded.</summary>
public sealed record PoisonReplayResult(PoisonItem Item, string Outcome, string? Error)
{
    public const string Replayed = "replayed";
    public const string FailedAgain = "failed_again";
    public const string Discarded = "discarded";
}
