using YamlDotNet.RepresentationModel;

namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>budgets</c> section: <c>cost_per_day</c> and <c>cost_per_request</c> (USD) and <c>tokens_per_day</c> for the
/// feature, the same under <c>deployments.&lt;deployment id&gt;</c>, and <c>min_requests</c> (default 20) before the day's
/// mean cost per request counts.
/// </summary>
internal static class BudgetsSection
{
    private static readonly string[] LimitKeys = ["cost_per_day", "cost_per_request", "tokens_per_day"];

    public static BudgetSettings Read(NodeReader reader, YamlMappingNode root)
    {
        if (reader.Mapping(root, "budgets", "") is not { } section)
        {
            return BudgetSettings.None;
        }

        reader.RejectUnknown(section, "budgets", [.. LimitKeys, "deployments", "min_requests"]);
        var feature = Limits(reader, section, "budgets");
        var deployments = new Dictionary<string, BudgetLimits>(StringComparer.Ordinal);
        if (reader.Mapping(section, "deployments", "budgets") is { } declared)
        {
            foreach (var (key, node) in declared.Children)
            {
                var deployment = ((YamlScalarNode)key).Value ?? "";
                var at = "budgets.deployments." + deployment;
                if (node is not YamlMappingNode limits)
                {
                    reader.Error(node, at, "a mapping with cost_per_day, cost_per_request or tokens_per_day", NodeReader.Describe(node));
                    continue;
                }

                reader.RejectUnknown(limits, at, LimitKeys);
                deployments[deployment] = Limits(reader, limits, at);
            }
        }

        var minRequests = reader.Integer(section, "min_requests", "budgets", 20, 1) ?? 20;
        return new BudgetSettings(feature, deployments, minRequests);
    }

    private static BudgetLimits Limits(NodeReader reader, YamlMappingNode map, string at)
    {
        var perDay = NodeReader.Child(map, "cost_per_day") is null ? (double?)null : reader.Number(map, "cost_per_day", at, 0, 0, 1e9);
        var perRequest = NodeReader.Child(map, "cost_per_request") is null ? (double?)null : reader.Number(map, "cost_per_request", at, 0, 0, 1e6);
        var tokens = NodeReader.Child(map, "tokens_per_day") is null ? null : reader.Integer(map, "tokens_per_day", at, null, 1);
        return new BudgetLimits(perDay, perRequest, tokens);
    }
}
