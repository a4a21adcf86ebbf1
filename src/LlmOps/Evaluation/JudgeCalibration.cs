namespace LlmOps.Evaluation;

/// <summary>
/// How far a judge agrees with people on one rubric dimension: quadratic-weighted Cohen's kappa between the judge's
/// 1-5 scores and the human scores of the same examples (null when undefined or no example has both), with the count.
/// </summary>
public sealed record JudgeCalibration(string Dimension, int Examples, double? Kappa);
