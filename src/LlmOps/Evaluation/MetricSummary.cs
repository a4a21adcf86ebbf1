namespace LlmOps.Evaluation;

/// <summary>A metric over a run: its mean over the <see cref="Examples"/> it applied to.</summary>
public sealed record MetricSummary(string Metric, double Mean, int Examples);
