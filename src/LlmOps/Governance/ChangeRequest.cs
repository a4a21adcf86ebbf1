namespace LlmOps.Governance;

/// <summary>
/// A change that reaches production, held until enough approvals arrive: what (<see cref="Kind"/>, <see cref="Target"/>
/// and the <see cref="Parameters"/> that redo it), who asked and why, how many approvals of which role it needs, the
/// approvals so far, and how it ended (applied, rejected).
/// </summary>
public sealed record ChangeRequest(
    string Id,
    string Kind,
    string? Feature,
    string Target,
    IReadOnlyDictionary<string, string> Parameters,
    string RequestedBy,
    string RequestedByName,
    DateTimeOffset RequestedAt,
    string? Why,
    int Required,
    Role Role,
    IReadOnlyList<ApprovalVote> Approvals,
    string Status,
    ApprovalVote? Rejection = null,
    string? Result = null)
{
    public const string Pending = "pending";
    public const string Applied = "applied";
    public const string Rejected = "rejected";
    public const string Failed = "failed";
}
