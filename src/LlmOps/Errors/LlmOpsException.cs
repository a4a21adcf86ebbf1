namespace LlmOps.Errors;

/// <summary>
/// The one exception LlmOps throws for a failure the caller can act on. <see cref="Code"/> says what kind; the CLI and
/// the HTTP endpoints map it in one place (<see cref="ErrorMapping"/>). Anything else that escapes is a fault of storage
/// or a bug, and is reported as such.
/// </summary>
public class LlmOpsException : Exception
{
    public LlmOpsException(ErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    public LlmOpsException()
        : this(ErrorCode.Invalid, "Invalid request.")
    {
    }

    public LlmOpsException(string message)
        : this(ErrorCode.Invalid, message)
    {
    }

    public LlmOpsException(string message, Exception innerException)
        : this(ErrorCode.Invalid, message, innerException)
    {
    }

    public ErrorCode Code { get; }

    /// <summary>Retrying the same input cannot succeed: a trigger dead-letters it at once instead of retrying.</summary>
    public bool IsPermanent => Code == ErrorCode.Invalid;

    public static LlmOpsException Invalid(string message, Exception? inner = null) => new(ErrorCode.Invalid, message, inner);

    public static LlmOpsException NotFound(string message, Exception? inner = null) => new(ErrorCode.NotFound, message, inner);

    public static LlmOpsException Conflict(string message, Exception? inner = null) => new(ErrorCode.Conflict, message, inner);

    public static LlmOpsException NothingToCompare(string message) => new(ErrorCode.NothingToCompare, message);
}
