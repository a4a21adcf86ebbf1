using LlmOps.Lifecycle;

namespace LlmOps.Guardrails;

/// <summary>Which side of the model call a text is on.</summary>
public static class GuardStage
{
    public const string Input = "input";
    public const string Output = "output";
}

/// <summary>
/// A guard's answer: <see cref="Action"/> is <c>allow</c>, <c>redact</c> (use <see cref="Text"/>, personal data
/// replaced) or <c>block</c>; <see cref="Rules"/> are the rules that fired, flags included.
/// </summary>
public sealed record GuardVerdict(string Action, string Text, IReadOnlyList<GuardFinding> Rules)
{
    public bool Blocked => Action == GuardActions.Block;

    /// <summary>The fired rules as safety flags for a trace (<c>guard:input.pii:email</c>, ...).</summary>
    public IEnumerable<string> Flags => Rules.Select(r => "guard:" + r.Rule);
}

/// <summary>One rule that fired: its name (<c>input.pii:email</c>, <c>input.injection:pattern:system-prompt</c>,
/// <c>output.citations</c>, ...), what it did, and why.</summary>
public sealed record GuardFinding(string Rule, string Action, string Detail);
