namespace LlmOps.Lifecycle;

/// <summary>Spending limits of one scope (a feature, or one of its deployments) per UTC day; null: no limit.</summary>
public sealed record BudgetLimits(double? CostPerDay, double? CostPerRequest, long? TokensPerDay)
{
    public bool Any => CostPerDay is not null || CostPerRequest is not null || TokensPerDay is not null;
}

/// <summary>
/// The lifecycle's <c>budgets</c>: the feature's limits, optionally limits per deployment (keyed by the deployment id
/// traces carry), and how many requests a day needs before its mean cost per request is held to the limit.
/// </summary>
public sealed record BudgetSettings(BudgetLimits Feature, IReadOnlyDictionary<string, BudgetLimits> Deployments, int MinRequests)
{
    public static BudgetSettings None { get; } = new(new BudgetLimits(null, null, null), new Dictionary<string, BudgetLimits>(), 20);

    public bool Any => Feature.Any || Deployments.Values.Any(d => d.Any);
}
