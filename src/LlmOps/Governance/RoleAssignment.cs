namespace LlmOps.Governance;

/// <summary>A role held by a principal for one feature, or for every feature (<see cref="RoleNames.AnyFeature"/>).</summary>
public sealed record RoleAssignment(string Principal, Role Role, string Feature, string GrantedBy, DateTimeOffset GrantedAt);
