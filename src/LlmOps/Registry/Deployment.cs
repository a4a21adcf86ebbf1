namespace LlmOps.Registry;

/// <summary>
/// A version deployed to an environment. A full deployment serves all traffic (<see cref="Active"/>); a canary
/// (<see cref="Canary"/>) serves <see cref="CanaryPercent"/>% beside the <see cref="Stable"/> deployment until a
/// canary check promotes it (<see cref="Promoted"/>: it serves all traffic) or rolls it back (<see cref="RolledBack"/>),
/// the decision's id in <see cref="Decision"/>.
/// </summary>
public sealed record Deployment(string Id, string Name, int Version, string Environment, DateTimeOffset DeployedAt, string DeployedBy)
{
    public const string Active = "active";
    public const string Canary = "canary";
    public const string Promoted = "promoted";
    public const string RolledBack = "rolled_back";

    public int? CanaryPercent { get; init; }

    public string? Stable { get; init; }

    public string Status { get; init; } = Active;

    public string? Decision { get; init; }

    /// <summary>A version run beside this one on <see cref="ShadowPercent"/>% of its calls, off the request path: its answers are traced with <c>llmops.shadow=true</c> and never shown.</summary>
    public int? ShadowVersion { get; init; }

    public int? ShadowPercent { get; init; }

    /// <summary>Whether it serves all traffic not sent to a canary.</summary>
    public bool Serves => Status is Active or Promoted;
}
