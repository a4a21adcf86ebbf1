using LlmOps.Guardrails;

namespace LlmOps.Client;

/// <summary>A call the feature's guardrails blocked, before the model (<see cref="Stage"/> input) or after it (output); <see cref="Verdict"/> names the rules.</summary>
public sealed class GuardrailBlockedException : Exception
{
    public GuardrailBlockedException()
    {
        Stage = GuardStage.Input;
        Verdict = new GuardVerdict(Lifecycle.GuardActions.Block, "", []);
    }

    public GuardrailBlockedException(string message)
        : base(message)
    {
        Stage = GuardStage.Input;
        Verdict = new GuardVerdict(Lifecycle.GuardActions.Block, "", []);
    }

    public GuardrailBlockedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Stage = GuardStage.Input;
        Verdict = new GuardVerdict(Lifecycle.GuardActions.Block, "", []);
    }

    public GuardrailBlockedException(string stage, GuardVerdict verdict, string? traceId)
        : base($"The {stage} was blocked by the guardrails: {string.Join("; ", (verdict ?? throw new ArgumentNullException(nameof(verdict))).Rules.Where(r => r.Action == Lifecycle.GuardActions.Block).Select(r => $"{r.Rule} ({r.Detail})"))}")
    {
        Stage = stage;
        Verdict = verdict;
        TraceId = traceId;
    }

    /// <summary><c>input</c> or <c>output</c>.</summary>
    public string Stage { get; }

    public GuardVerdict Verdict { get; }

    /// <summary>The trace the blocked call was recorded as.</summary>
    public string? TraceId { get; }
}
