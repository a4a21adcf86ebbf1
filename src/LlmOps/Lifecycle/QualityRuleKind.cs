namespace LlmOps.Lifecycle;

/// <summary>The data-quality rules a lifecycle file can ask for.</summary>
public enum QualityRuleKind
{
    NotNull,
    Unique,
    Length,
    AllowedValues,
    Regex,
}
