namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>guardrails</c> section: what <c>POST /api/guard</c> and the <c>LlmOps.Client</c> middleware check at run time,
/// on the text sent to the model (<see cref="Input"/>) and on its answer (<see cref="Output"/>). Without the section a
/// feature gets <see cref="Default"/>: personal data redacted both ways and prompt injection blocked.
/// </summary>
public sealed record GuardrailsSettings(InputGuardrails Input, OutputGuardrails Output)
{
    public static GuardrailsSettings Default { get; } = new(InputGuardrails.Default, OutputGuardrails.Default);
}

/// <summary>
/// <c>guardrails.input</c>: <c>pii</c> (off, flag, redact or block; the types are the preprocessing section's),
/// <c>injection</c> (off, flag or block: the injection patterns and the probe set's signatures), <c>max_tokens</c>
/// (block above it, counted with the preprocessing tokenizer).
/// </summary>
public sealed record InputGuardrails(string Pii, string Injection, int? MaxTokens)
{
    public static InputGuardrails Default { get; } = new(GuardActions.Redact, GuardActions.Block, null);
}

/// <summary>
/// <c>guardrails.output</c>: <c>pii</c> (off, flag, redact or block), <c>citations</c> (off, flag or block: an answer
/// without a <c>[source:id#n]</c> citation, or citing a chunk that was not retrieved), <c>blocked_terms</c> (whole
/// words or phrases, any case: block), <c>json_schema</c> (a JSON Schema the answer must meet: block), and the probe
/// set's canaries, which an answer carries only when an injection worked (block, always on).
/// </summary>
public sealed record OutputGuardrails(string Pii, string Citations, IReadOnlyList<string> BlockedTerms, string? JsonSchema)
{
    public static OutputGuardrails Default { get; } = new(GuardActions.Redact, GuardActions.Off, [], null);
}

/// <summary>What a guardrail does when its rule fires; the strongest rule that fired decides the answer.</summary>
public static class GuardActions
{
    public const string Off = "off";
    public const string Flag = "flag";
    public const string Redact = "redact";
    public const string Block = "block";

    /// <summary>The verdict when nothing (or only a flag) fired.</summary>
    public const string Allow = "allow";
}
