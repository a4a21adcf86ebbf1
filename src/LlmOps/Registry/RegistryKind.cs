using System.Text.Json.Serialization;

namespace LlmOps.Registry;

/// <summary>What a registered name holds: a model (an artifact of a run) or a prompt (a template with variables).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RegistryKind>))]
public enum RegistryKind
{
    Model,
    Prompt,
}
