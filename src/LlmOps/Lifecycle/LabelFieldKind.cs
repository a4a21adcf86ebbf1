namespace LlmOps.Lifecycle;

/// <summary>What a labeling field holds, which sets how its labels are checked and which statistics apply.</summary>
public enum LabelFieldKind
{
    /// <summary>One of the field's values, unordered.</summary>
    Categorical,

    /// <summary>Any subset of the field's values; agreement is computed per value, as present or absent.</summary>
    MultiLabel,

    /// <summary>One of the field's values, in the listed order.</summary>
    Ordinal,

    /// <summary>A number from min to max.</summary>
    Numeric,

    /// <summary>A free-text correction: kept with the consensus, no agreement statistic.</summary>
    Text,
}
