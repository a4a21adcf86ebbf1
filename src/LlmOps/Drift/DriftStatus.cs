using System.Text.Json.Serialization;

namespace LlmOps.Drift;

/// <summary>A check's verdict: within thresholds, past warn, past alert, too few values to say, or a statistic that is
/// undefined on these values (NaN), which is never taken for Ok.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DriftStatus>))]
public enum DriftStatus
{
    Ok,
    Warn,
    Alert,
    Insufficient,
    Undefined,
}
