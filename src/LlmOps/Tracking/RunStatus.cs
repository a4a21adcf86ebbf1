using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmOps.Tracking;

/// <summary>MLflow's run states: a run starts Running and ends Finished, Failed or Killed (RUNNING, FINISHED... in JSON).</summary>
[JsonConverter(typeof(RunStatusJsonConverter))]
public enum RunStatus
{
    Running,

    /// <summary>Requested, not started (a retraining request from a drift alert, say), as MLflow's SCHEDULED.</summary>
    Scheduled,
    Finished,
    Failed,
    Killed,
}

/// <summary>Writes run states as MLflow spells them: RUNNING, SCHEDULED, FINISHED, FAILED, KILLED.</summary>
public sealed class RunStatusJsonConverter() : JsonStringEnumConverter<RunStatus>(JsonNamingPolicy.SnakeCaseUpper);
