namespace LlmOps.Governance;

/// <summary>
/// What a mutation records in the audit log: an action (<c>registry.alias</c>, <c>lifecycle.publish</c>...), the id it
/// acted on, the feature it belongs to, why (where the caller said), and the ids before and after.
/// </summary>
public sealed record AuditRecord(string Action, string Target, string? Feature = null, string? Why = null, string? Before = null, string? After = null);
