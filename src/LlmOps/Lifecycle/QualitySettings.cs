namespace LlmOps.Lifecycle;

/// <summary>The quality section: rules, and the quarantine rate above which a version is not published.</summary>
public sealed record QualitySettings(double MaxQuarantineRate, IReadOnlyList<QualityRule> Rules)
{
    public static QualitySettings Default { get; } = new(0.1, []);
}
