namespace LlmOps.Governance;

/// <summary>One approval or rejection of a change request: who, when, why.</summary>
public sealed record ApprovalVote(string By, DateTimeOffset At, string? Reason);
