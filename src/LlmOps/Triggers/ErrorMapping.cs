using LlmOps.Triggers;
using LlmOps.Errors;

namespace LlmOps.Triggers;

/// <summary>The one place an <see cref="ErrorCode"/> becomes a CLI exit code or an HTTP status with problem details.</summary>
public static class ErrorMapping
{
    /// <summary>Exit code of a command that failed for a reason other than an <see cref="LlmOpsException"/>: storage unreachable or refused.</summary>
    public const int StorageFaultExitCode = 8;

    /// <summary>Exit code of an unexpected failure: a bug in LlmOps (EX_SOFTWARE).</summary>
    public const int InternalErrorExitCode = 70;

    public static int ExitCode(ErrorCode code) => code switch
    {
        ErrorCode.Invalid => 2,
        ErrorCode.GateRefused => 3,
        ErrorCode.NotFound => 4,
        ErrorCode.Conflict => 5,
        ErrorCode.Forbidden => 5,
        ErrorCode.ApprovalRequired => 9,
        ErrorCode.NothingToCompare => 6,
        ErrorCode.Unauthorized => 7,
        _ => InternalErrorExitCode,
    };

    public static int HttpStatus(ErrorCode code) => code switch
    {
        ErrorCode.Invalid => 400,
        ErrorCode.Unauthorized => 401,
        ErrorCode.Forbidden => 403,
        ErrorCode.ApprovalRequired => 202,
        ErrorCode.NotFound => 404,
        ErrorCode.Conflict => 409,
        ErrorCode.NothingToCompare => 409,
        ErrorCode.GateRefused => 422,
        _ => 500,
    };

    /// <summary>A stable problem type URI per code (RFC 9457 <c>type</c>).</summary>
    public static string ProblemType(ErrorCode code) => "urn:llmops:error:" + code switch
    {
        ErrorCode.Invalid => "invalid",
        ErrorCode.NotFound => "not-found",
        ErrorCode.Conflict => "conflict",
        ErrorCode.NothingToCompare => "nothing-to-compare",
        ErrorCode.GateRefused => "gate-refused",
        ErrorCode.Unauthorized => "unauthorized",
        ErrorCode.Forbidden => "forbidden",
        ErrorCode.ApprovalRequired => "approval-required",
        _ => "internal",
    };

    /// <summary>An RFC 9457 problem details response for the error.</summary>
    public static HttpTriggerResponse Problem(LlmOpsException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return HttpTriggerResponse.Problem(HttpStatus(error.Code), error.Code.ToString(), error.Message, ProblemType(error.Code));
    }
}
