namespace LlmOps.Tracking;

/// <summary>One logged value of a metric at a step and a time (MLflow's metric model).</summary>
public sealed record MetricPoint(string Key, double Value, long Step, DateTimeOffset Timestamp);
