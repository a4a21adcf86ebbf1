namespace LlmOps.Lifecycle;

/// <summary>Krippendorff's difference functions: which values count as how far apart.</summary>
public enum AlphaMetric
{
    /// <summary>Equal or not (categories without order).</summary>
    Nominal,

    /// <summary>Ranks: the distance grows with how many values lie between (ordinal categories).</summary>
    Ordinal,

    /// <summary>Squared difference of the values (numbers on a scale).</summary>
    Interval,

    /// <summary>Squared difference relative to the sum (numbers with a true zero).</summary>
    Ratio,
}
