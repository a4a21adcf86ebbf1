
namespace LlmOps.Lifecycle;

/// <summary>
/// One field of a labeling project's schema, with its gate: <see cref="Statistic"/> at least <see cref="Publish"/> to
/// publish (Krippendorff's 0.8), and from <see cref="Tentative"/> (0.667) reported as tentative. <see cref="Metric"/>
/// is alpha's difference function (nominal for categorical and multi-label, ordinal, interval for numeric).
/// </summary>
public sealed record LabelField(
    string Name,
    LabelFieldKind Kind,
    IReadOnlyList<string> Values,
    double? Min,
    double? Max,
    AgreementStatistic Statistic,
    AlphaMetric Metric,
    double Publish,
    double Tentative)
{
    /// <summary>Whether the field has an agreement statistic and a gate (every kind but free text).</summary>
    public bool IsGated => Kind != LabelFieldKind.Text;
}
