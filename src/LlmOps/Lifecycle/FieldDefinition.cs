namespace LlmOps.Lifecycle;

/// <summary>One field of a source's schema. <see cref="Format"/> is email, uri or date (checked on strings).</summary>
public sealed record FieldDefinition(string Name, FieldType Type, bool Required, string? Format);
