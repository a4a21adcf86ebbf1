namespace LlmOps.Errors;

/// <summary>What kind of failure an <see cref="LlmOpsException"/> is: decides the CLI exit code and the HTTP status.</summary>
public enum ErrorCode
{
    /// <summary>The input is malformed or breaks a rule (a bad id, an invalid lifecycle, a malformed message). Retrying the same input fails again.</summary>
    Invalid,

    /// <summary>The named thing does not exist (a run, a version, a feature's lifecycle).</summary>
    NotFound,

    /// <summary>Someone else changed the same thing first, or the change contradicts what is stored.</summary>
    Conflict,

    /// <summary>A comparison has nothing to compare yet (no published version, no previous version, no champion).</summary>
    NothingToCompare,

    /// <summary>A release gate refused a promotion.</summary>
    GateRefused,

    /// <summary>The caller is not identified (no key, a wrong key, no token).</summary>
    Unauthorized,

    /// <summary>The caller is identified but lacks the role this needs.</summary>
    Forbidden,

    /// <summary>The change waits for approvals (the lifecycle's <c>governance</c> asks for them): requested, not made.</summary>
    ApprovalRequired,
}
