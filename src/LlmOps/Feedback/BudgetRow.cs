using LlmOps.Storage;

namespace LlmOps.Feedback;

/// <summary>
/// One UTC day's spend of a feature (<see cref="Scope"/> empty) or of one of its deployments, in table <c>budgets</c>
/// (PartitionKey the day yyyyMMdd, RowKey feature|scope): added to after each feedback batch, recomputed from the
/// traces by the CheckBudgets timer; <see cref="Breaches"/> names the limits already reported that day.
/// </summary>
public sealed class BudgetRow : TableRow
{
    public string Feature { get; set; } = "";

    public string Scope { get; set; } = "";

    public long Requests { get; set; }

    public double CostUsd { get; set; }

    public long Tokens { get; set; }

    /// <summary>Comma-separated metrics breached and raised this day.</summary>
    public string Breaches { get; set; } = "";

    public DateTimeOffset UpdatedAt { get; set; }
}
