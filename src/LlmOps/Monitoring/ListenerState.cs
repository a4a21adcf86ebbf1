namespace LlmOps.Monitoring;

/// <summary>One trigger listener's state in this host instance: listening, faulted (retrying, with the error) or stopped.</summary>
public sealed record ListenerState(string Function, string Trigger, string Status, string? Error, DateTimeOffset Since)
{
    public const string Listening = "listening";
    public const string Faulted = "faulted";
    public const string Stopped = "stopped";
    public const string Disabled = "disabled";

    /// <summary>The trigger name the local host's Functions worker reports its own state under.</summary>
    public const string WorkerTrigger = "Worker";
}
