namespace LlmOps.Labeling;

/// <summary>How Cohen's kappa weighs a disagreement between categories i and j (as scikit-learn's <c>weights</c>).</summary>
public enum KappaWeights
{
    /// <summary>Every disagreement weighs 1.</summary>
    None,

    /// <summary>|i - j|: for ordinal categories.</summary>
    Linear,

    /// <summary>(i - j)²: for ordinal categories, far misses weigh more.</summary>
    Quadratic,
}
