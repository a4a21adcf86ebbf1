using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>A role assignment in table <c>roles</c>: PartitionKey the principal, RowKey feature|role.</summary>
public sealed class RoleRow : TableRow
{
    public string Principal { get; set; } = "";

    public string Feature { get; set; } = "";

    public string Role { get; set; } = "";

    public string GrantedBy { get; set; } = "";

    public DateTimeOffset GrantedAt { get; set; }

    internal RoleAssignment ToAssignment() => new(Principal, RoleNames.Parse(Role), Feature, GrantedBy, GrantedAt);
}
