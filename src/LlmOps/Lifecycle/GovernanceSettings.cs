using LlmOps.Governance;

namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>governance</c> section: how many approvals a change that reaches production needs (0: none, the approver's
/// own change is enough), the role an approval takes, and the aliases that count as production besides the champion.
/// </summary>
public sealed record GovernanceSettings(int Approvals, Role ApproverRole, IReadOnlyList<string> ProtectedAliases)
{
    public static GovernanceSettings None { get; } = new(0, Role.Approver, ["champion"]);

    public bool Protects(string alias) => ProtectedAliases.Contains(alias, StringComparer.Ordinal);
}
