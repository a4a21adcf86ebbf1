namespace LlmOps.LocalHost.Worker;

/// <summary>Where the Functions worker process is in its life.</summary>
public enum WorkerState
{
    Stopped,
    Starting,
    Ready,
    Down,
}
