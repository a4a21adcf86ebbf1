using LlmOps.Governance;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>The <c>governance</c> section: <c>approvals</c> (0-5), <c>approver_role</c> (approver or admin) and <c>protected_aliases</c> (the champion always).</summary>
internal static class GovernanceSection
{
    public static GovernanceSettings Read(NodeReader reader, YamlMappingNode root)
    {
        if (reader.Mapping(root, "governance", "") is not { } section)
        {
            return GovernanceSettings.None;
        }

        reader.RejectUnknown(section, "governance", ["approvals", "approver_role", "protected_aliases"]);
        var approvals = reader.Integer(section, "approvals", "governance", 0, 0) ?? 0;
        if (approvals > 5)
        {
            reader.Error(NodeReader.Child(section, "approvals")!, "governance.approvals", "0 to 5 approvals", approvals.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var role = reader.Enum(section, "approver_role", "governance", Role.Approver, new Dictionary<string, Role> { ["approver"] = Role.Approver, ["admin"] = Role.Admin });
        var aliases = reader.StringList(section, "protected_aliases", "governance");
        return new GovernanceSettings(approvals, role, ["champion", .. aliases.Where(a => a != "champion").Distinct(StringComparer.Ordinal)]);
    }
}
