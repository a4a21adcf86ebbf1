using LlmOps.Errors;

namespace LlmOps.Governance;

/// <summary>The change was not made: it waits as <see cref="Request"/> for the approvals its feature's lifecycle asks for.</summary>
public sealed class ApprovalRequiredException(ChangeRequest request)
    : LlmOpsException(ErrorCode.ApprovalRequired,
        $"{request.Kind} of {request.Target} needs {request.Required} approval(s) by the {RoleNames.Name(request.Role)} role of feature '{request.Feature}', not by its requester: requested as {request.Id}. "
        + $"An approver runs `llmops approvals approve {request.Id}` (or `reject {request.Id} --reason ...`).")
{
    public ChangeRequest Request { get; } = request;
}
