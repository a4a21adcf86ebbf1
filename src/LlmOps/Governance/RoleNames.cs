using LlmOps.Errors;

namespace LlmOps.Governance;

/// <summary>Role names as users type and read them (lower case), and whether a held role satisfies a needed one.</summary>
public static class RoleNames
{
    /// <summary>Every feature: an assignment for it applies to all of them.</summary>
    public const string AnyFeature = "*";

    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    public static Role Parse(string value) =>
        Enum.TryParse<Role>(value, ignoreCase: true, out var role) && Enum.IsDefined(role) && !int.TryParse(value, out _)
            ? role
            : throw LlmOpsException.Invalid($"'{value}' is not a role: expected one of {string.Join(", ", Enum.GetValues<Role>().Select(Name))}.");

    /// <summary>Admin satisfies every role, any role satisfies reader; otherwise only the role itself.</summary>
    public static bool Satisfies(Role held, Role needed) => held == needed || held == Role.Admin || needed == Role.Reader;
}
