namespace LlmOps.Registry;

/// <summary>
/// An immutable version (<c>model:support-bot/7</c>, <c>prompt:answer/4</c>) linked to the run that produced it: a
/// model points at an artifact, a prompt carries its template and the variables it needs.
/// </summary>
public sealed record RegistryVersion(
    string Id,
    string Name,
    int Version,
    string RunId,
    string? Artifact,
    string? Template,
    IReadOnlyList<string> Variables,
    string? Description,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset CreatedAt,
    string CreatedBy);
