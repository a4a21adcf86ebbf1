namespace LlmOps.Labeling;

/// <summary>
/// A field's agreement: the gate's statistic and its level against the thresholds, every statistic that applies, the
/// bootstrap interval of alpha, pairwise Cohen's kappa, and each annotator's confusion against the consensus (rows:
/// consensus value, columns: the annotator's label, in <see cref="Values"/> order). For a multi-label field each
/// statistic is the mean over its values, each taken as present or absent.
/// </summary>
public sealed record FieldAgreement(
    string Field,
    string Kind,
    string Statistic,
    double? Value,
    double Publish,
    double Tentative,
    string Level,
    bool Passed,
    int Items,
    int Labels,
    double? Alpha,
    double? AlphaLow,
    double? AlphaHigh,
    double? PercentAgreement,
    double? FleissKappa,
    double? GwetAc1,
    double? MeanCohenKappa,
    IReadOnlyList<string> Values,
    IReadOnlyList<PairKappa> PairwiseKappa,
    IReadOnlyDictionary<string, long[]> ConsensusConfusion);
