namespace LlmOps.Lifecycle;

/// <summary>
/// How far a compressed drop may expand before it is quarantined as a likely decompression bomb: a total size, and
/// a ratio to the compressed bytes read so far, checked once <see cref="RatioGraceBytes"/> have come out (small
/// files of repeated text compress very well and are harmless).
/// </summary>
public sealed record DecompressionLimits(long MaxBytes, double MaxRatio)
{
    public const long RatioGraceBytes = 16L << 20;

    /// <summary>10 GiB and 100:1 (text and JSON compress 3-20:1; a bomb of zeros 1000:1).</summary>
    public static DecompressionLimits Default { get; } = new(10L << 30, 100);
}
