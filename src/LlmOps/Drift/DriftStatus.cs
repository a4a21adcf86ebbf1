using System.Text.Json.Serialization;

namespace LlmOps.Drift;

/// <summary>A check's verdict: within thresholds, past warn, past alert, or too few values to say.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DriftStatus>))]
public enum DriftStatus
{
    Ok,
    Warn,
    Alert,
    Insufficient,
}
