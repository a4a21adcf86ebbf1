namespace LlmOps.Lifecycle;

/// <summary>One data-quality rule on one field. Only the members its kind uses are set.</summary>
public sealed record QualityRule(QualityRuleKind Kind, string Field)
{
    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public IReadOnlyList<string> AllowedValues { get; init; } = [];

    public string? Pattern { get; init; }

    /// <summary>The rule's name as written in lifecycle files and quarantine reasons.</summary>
    public string Name => Kind switch
    {
        QualityRuleKind.NotNull => "not_null",
        QualityRuleKind.Unique => "unique",
        QualityRuleKind.Length => "length",
        QualityRuleKind.AllowedValues => "allowed_values",
        QualityRuleKind.Regex => "regex",
        _ => Kind.ToString(),
    };
}
