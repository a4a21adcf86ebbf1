namespace LlmOps.Tracking;

/// <summary>Everything logged to a run: params, tags, inputs, the latest value of each metric, artifacts.</summary>
public sealed record RunDetails(
    RunInfo Info,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<RunInput> Inputs,
    IReadOnlyDictionary<string, MetricPoint> LatestMetrics,
    IReadOnlyList<string> Artifacts);
