namespace LlmOps.Lifecycle;

/// <summary>The statistic a labeling field's gate compares with its thresholds.</summary>
public enum AgreementStatistic
{
    KrippendorffAlpha,
    FleissKappa,

    /// <summary>The mean of Cohen's kappa over annotator pairs (weighted for ordinal fields).</summary>
    CohenKappa,
    GwetAc1,
    PercentAgreement,
}
