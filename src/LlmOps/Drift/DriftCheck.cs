namespace LlmOps.Drift;

/// <summary>
/// One signal's result: the test used, its value (a p-value for ks, chi_square and mmd, where lower is worse; a
/// distance or rate otherwise), the thresholds, the verdict and why, and the histograms behind it for the report.
/// </summary>
public sealed record DriftCheck(
    string Signal,
    string Kind,
    string Test,
    double Value,
    bool LowerIsWorse,
    double Warn,
    double Alert,
    DriftStatus Status,
    string Message,
    int ReferenceSize,
    int CurrentSize,
    string? Action)
{
    /// <summary>Bin labels and shares of reference and current, for the distribution overlay.</summary>
    public DriftHistogram? Histogram { get; init; }
}
