namespace LlmOps.Labeling;

/// <summary>
/// One annotator across the project's gated fields: how many labels, accuracy on the gold items they labeled,
/// agreement with the consensus (on items someone else labeled too), and per field the share of each value they gave
/// against the same share among the other annotators.
/// </summary>
public sealed record AnnotatorQuality(
    string Annotator,
    int Labels,
    int GoldLabels,
    int GoldCorrect,
    double? GoldAccuracy,
    double? ConsensusAgreement,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Distribution,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> OthersDistribution);
