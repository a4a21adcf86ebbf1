namespace LlmOps.Lifecycle;

/// <summary>
/// Everything a guard (<c>LlmOps.Guardrails.Guard</c>) needs, as JSON can carry it to an app (<c>GET /api/prompts/{name}/resolve</c>
/// answers it, so the middleware guards in process and keeps guarding when LlmOps is unreachable): the feature's
/// <c>guardrails</c>, and from its preprocessing section the PII types, custom patterns and tokenizer.
/// </summary>
public sealed record GuardPolicy(
    string Feature,
    InputGuardrails Input,
    OutputGuardrails Output,
    IReadOnlyList<string> PiiTypes,
    IReadOnlyList<CustomPiiPattern> CustomPii,
    string Tokenizer)
{
    public static GuardPolicy Of(LifecycleDefinition lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        var preprocessing = lifecycle.Preprocessing;
        return new(lifecycle.Feature, lifecycle.Guardrails.Input, lifecycle.Guardrails.Output, preprocessing.PiiTypes, preprocessing.CustomPii, preprocessing.Tokenizer);
    }
}
