namespace LlmOps.Feedback;

/// <summary>
/// What became of one posted item: <c>accepted</c> (written), <c>duplicate</c> (its id was written before; stored once)
/// or <c>rejected</c> with the reason, by its position in the batch.
/// </summary>
public sealed record FeedbackItemResult(int Index, string? Id, string Status, string? Reason = null)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
}
