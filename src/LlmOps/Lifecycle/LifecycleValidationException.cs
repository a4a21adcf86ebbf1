using LlmOps.Errors;

namespace LlmOps.Lifecycle;

/// <summary>A lifecycle file was rejected; <see cref="Errors"/> lists every problem found, in file order.</summary>
public sealed class LifecycleValidationException : LlmOpsException
{
    public LifecycleValidationException(string source, IReadOnlyList<LifecycleError> errors)
        : base(ErrorCode.Invalid, $"{source} is not a valid lifecycle file:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Source = source;
        Errors = errors;
    }

    public LifecycleValidationException()
        : this("lifecycle file", [])
    {
    }

    public LifecycleValidationException(string message)
        : base(ErrorCode.Invalid, message) => Errors = [];

    public LifecycleValidationException(string message, Exception innerException)
        : base(ErrorCode.Invalid, message, innerException) => Errors = [];

    public new string? Source { get; }

    public IReadOnlyList<LifecycleError> Errors { get; }
}
