namespace LlmOps.Registry;

/// <summary>A record that a version was deployed to an environment, when and by whom (<c>deploy:prod/01JD...</c>).</summary>
public sealed record Deployment(string Id, string Name, int Version, string Environment, DateTimeOffset DeployedAt, string DeployedBy);
