namespace LlmOps.Lifecycle;

/// <summary>One source of the feature: where its drops land, how they are encoded, and their schema.</summary>
public sealed record SourceDefinition(
    string Name,
    string Path,
    SourceFormat Format,
    string? IdField,
    string TextField,
    IReadOnlyList<FieldDefinition> Schema,
    UpdatePolicy OnUpdate = UpdatePolicy.Replace);
