namespace LlmOps.Triggers;

/// <summary>What starts a function.</summary>
public enum TriggerKind
{
    Blob,
    Queue,
    Timer,
    Http,
}
