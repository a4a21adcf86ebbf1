namespace LlmOps.Feedback;

/// <summary>One limit of a day's budget against what was spent: <see cref="Actual"/> over <see cref="Limit"/> is a breach.</summary>
public sealed record BudgetStatus(string Feature, string? Deployment, string Day, string Metric, double Limit, double? Actual, long Requests)
{
    public const string CostPerDay = "cost_per_day";
    public const string CostPerRequest = "cost_per_request";
    public const string TokensPerDay = "tokens_per_day";

    public bool Breached => Actual > Limit;

    public string Scope => Deployment is null ? Feature : $"{Feature} / {Deployment}";
}
