using LlmOps.Storage;

namespace LlmOps.Registry;

/// <summary>A deployment in table <c>registry</c> (RowKey <c>deploy|</c>newest first<c>|</c>id, so a name's deployments list newest first).</summary>
public sealed class DeploymentRow : TableRow
{
    public string Id { get; set; } = "";

    public int Version { get; set; }

    public string Environment { get; set; } = "";

    public DateTimeOffset DeployedAt { get; set; }

    public string DeployedBy { get; set; } = "";

    public int? CanaryPercent { get; set; }

    public string? Stable { get; set; }

    /// <summary>Null on rows written before canaries: a full deployment.</summary>
    public string? Status { get; set; }

    public string? Decision { get; set; }

    public int? ShadowVersion { get; set; }

    public int? ShadowPercent { get; set; }

    internal Deployment ToDeployment(string name) => new(Id, name, Version, Environment, DeployedAt, DeployedBy)
    {
        CanaryPercent = CanaryPercent,
        Stable = Stable,
        Status = Status ?? Deployment.Active,
        Decision = Decision,
        ShadowVersion = ShadowVersion,
        ShadowPercent = ShadowPercent,
    };
}
