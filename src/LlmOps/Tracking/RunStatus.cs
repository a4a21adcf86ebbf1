namespace LlmOps.Tracking;

/// <summary>MLflow's run states: a run starts Running and ends Finished, Failed or Killed.</summary>
public enum RunStatus
{
    Running,
    Finished,
    Failed,
    Killed,
}
