namespace LlmOps.Registry;

/// <summary>What a registered name holds: a model (an artifact of a run) or a prompt (a template with variables).</summary>
public enum RegistryKind
{
    Model,
    Prompt,
}
