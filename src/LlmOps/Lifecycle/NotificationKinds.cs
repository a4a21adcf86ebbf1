namespace LlmOps.Lifecycle;

/// <summary>The events a lifecycle's <c>notify.events</c> can route to its channels.</summary>
public static class NotificationKinds
{
    public const string DriftAlert = "drift_alert";
    public const string CanaryRolledBack = "canary_rolled_back";
    public const string CanaryPromoted = "canary_promoted";
    public const string GateRefused = "gate_refused";
    public const string Poison = "poison";
    public const string BudgetBreached = "budget_breached";
    public const string RetentionRun = "retention_run";
    public const string ErasureRun = "erasure_run";

    public static IReadOnlyList<string> All { get; } = [DriftAlert, CanaryRolledBack, CanaryPromoted, GateRefused, Poison, BudgetBreached, RetentionRun, ErasureRun];
}
