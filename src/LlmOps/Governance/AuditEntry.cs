namespace LlmOps.Governance;

/// <summary>
/// One entry of the audit log: its sequence number, when, who (principal id and name), what, and the SHA-256 of the
/// previous entry (<see cref="Prev"/>) and of itself (<see cref="Hash"/>), which chain the log.
/// </summary>
public sealed record AuditEntry(
    long Seq,
    DateTimeOffset At,
    string Who,
    string WhoName,
    string Action,
    string Target,
    string? Feature,
    string? Why,
    string? Before,
    string? After,
    string Prev,
    string Hash);
