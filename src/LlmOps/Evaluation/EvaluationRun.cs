namespace LlmOps.Evaluation;

/// <summary>
/// A finished evaluation: the run it is logged as, the prompt version and model it evaluated on which set, the
/// per-example results, the metric means, and the judge's agreement with human scores (empty without a judge).
/// </summary>
public sealed record EvaluationRun(
    string RunId,
    string Target,
    string Model,
    string Dataset,
    IReadOnlyList<ExampleResult> Examples,
    IReadOnlyDictionary<string, MetricSummary> Metrics,
    IReadOnlyList<JudgeCalibration> Calibration);
