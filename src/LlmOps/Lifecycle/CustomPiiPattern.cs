namespace LlmOps.Lifecycle;

/// <summary>A feature-specific PII pattern: matches are replaced by <c>[NAME]</c>.</summary>
public sealed record CustomPiiPattern(string Name, string Pattern);
