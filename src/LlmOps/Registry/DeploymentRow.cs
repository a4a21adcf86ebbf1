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

    internal Deployment ToDeployment(string name) => new(Id, name, Version, Environment, DeployedAt, DeployedBy);
}
