namespace LlmOps.Registry;

/// <summary>A registered model or prompt (<c>model:support-bot</c>, <c>prompt:answer</c>): its description, tags, feature and aliases.</summary>
public sealed record RegisteredItem(
    string Name,
    RegistryKind Kind,
    string? Description,
    string? Feature,
    IReadOnlyDictionary<string, string> Tags,
    int LatestVersion,
    IReadOnlyList<RegistryAlias> Aliases,
    DateTimeOffset CreatedAt);
