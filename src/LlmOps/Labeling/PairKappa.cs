namespace LlmOps.Labeling;

/// <summary>
/// Cohen's kappa of two annotators over the items both labeled (null when undefined); for an ordinal field also with
/// linear and quadratic weights.
/// </summary>
public sealed record PairKappa(string A, string B, int Items, double? Kappa, double? LinearKappa = null, double? QuadraticKappa = null);
