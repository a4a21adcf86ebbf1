using LlmOps.Errors;

namespace LlmOps.Registry;

/// <summary>A version's run does not meet the lifecycle's release gates; <see cref="Failures"/> says which, one line each.</summary>
public sealed class PromotionRefusedException : LlmOpsException
{
    public PromotionRefusedException()
        : this("Promotion refused.", [])
    {
    }

    public PromotionRefusedException(string message)
        : this(message, [])
    {
    }

    public PromotionRefusedException(string message, Exception innerException)
        : base(ErrorCode.GateRefused, message, innerException)
    {
        Failures = [];
    }

    public PromotionRefusedException(string message, IReadOnlyList<string> failures)
        : base(ErrorCode.GateRefused, failures.Count == 0 ? message : message + Environment.NewLine + string.Join(Environment.NewLine, failures.Select(f => "  - " + f)))
    {
        Failures = failures;
    }

    public IReadOnlyList<string> Failures { get; }
}
