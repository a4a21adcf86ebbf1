using LlmOps.Errors;
using Microsoft.Extensions.Options;

namespace LlmOps.Governance;

/// <summary>
/// What every mutation passes: the caller's role for the feature is demanded (a refusal names the missing role), and
/// the change is recorded in the audit log with who made it. Until anyone is an admin (none configured in
/// <see cref="GovernanceOptions.Admins"/>, none granted) a store is in its bootstrap state: every caller may do
/// everything, as on a fresh Azurite, and is still recorded; granting the first admin turns enforcement on.
/// </summary>
public sealed class ChangeControl(RoleStore roles, AuditLog audit, IOptions<GovernanceOptions> options, ApiKeyStore keys, ApprovalStore approvals, TimeProvider clock, IServiceProvider? services = null)
{
    private static readonly AsyncLocal<ChangeRequest?> Applying = new();

    /// <summary>Over <paramref name="storage"/> with no configured admins (tests, benchmarks, tools without a host).</summary>
    public ChangeControl(Storage.StorageAccount storage, TimeProvider clock)
        : this(new RoleStore(storage), new AuditLog(storage, clock), Options.Create(new GovernanceOptions()), new ApiKeyStore(storage, clock), new ApprovalStore(storage), clock)
    {
    }

    private readonly HashSet<string> _configuredAdmins = new(options.Value.Admins.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()), StringComparer.Ordinal);

    /// <summary>The caller when neither a request nor an invocation names one (the identity of a CLI or notebook client).</summary>
    public Caller? DefaultCaller { get; set; }

    public Caller Caller => CallerContext.Resolve(DefaultCaller);

    public RoleStore Roles => roles;

    public AuditLog Audit => audit;

    public ApprovalStore Approvals => approvals;

    /// <summary>Whether roles are enforced: an admin is configured or granted.</summary>
    public async Task<bool> IsEnforcedAsync(CancellationToken cancellationToken = default) =>
        _configuredAdmins.Count > 0 || await roles.AnyAdminAsync(cancellationToken);

    /// <summary>
    /// The current caller, when they hold <paramref name="role"/> for <paramref name="feature"/> (null: every feature);
    /// otherwise a <see cref="ErrorCode.Forbidden"/> error saying what <paramref name="action"/> needs and how to grant it.
    /// </summary>
    public async Task<Caller> DemandAsync(Role role, string? feature, string action, CancellationToken cancellationToken = default)
    {
        var caller = Caller;
        if (await HoldsAsync(caller, role, feature, cancellationToken) || !await IsEnforcedAsync(cancellationToken))
        {
            return caller;
        }

        var scope = feature is null ? "every feature" : $"feature '{feature}'";
        var grant = $"llmops roles grant {caller.Id} {RoleNames.Name(role)}" + (feature is null ? "" : $" --feature {feature}");
        throw new LlmOpsException(ErrorCode.Forbidden, $"{caller} may not {action}: it needs the {RoleNames.Name(role)} role for {scope}. An admin grants it with `{grant}`.");
    }

    /// <summary>
    /// The current caller, when they may read over the HTTP API: the reader role (or any above it) for
    /// <paramref name="feature"/>, or, for a read that names no feature, a role on any feature. Otherwise
    /// <see cref="ErrorCode.Forbidden"/>. (The CLI and notebooks read storage directly: its own access control decides.)
    /// </summary>
    public async Task<Caller> DemandReadAsync(string? feature, string action, CancellationToken cancellationToken = default)
    {
        if (feature is not null)
        {
            return await DemandAsync(Role.Reader, feature, action, cancellationToken);
        }

        var caller = Caller;
        if (await HoldsAsync(caller, Role.Reader, null, cancellationToken) || !await IsEnforcedAsync(cancellationToken)
            || (caller.Source != CallerSource.None && (await roles.GetAsync(caller.Id, cancellationToken)).Count > 0))
        {
            return caller;
        }

        throw new LlmOpsException(ErrorCode.Forbidden, $"{caller} may not {action}: it needs the reader role (on any feature). An admin grants it with `llmops roles grant {caller.Id} reader --feature <feature>`, or creates a key with it (`llmops keys create NAME --role reader`).");
    }

    /// <summary>Whether <paramref name="caller"/> holds <paramref name="role"/> for <paramref name="feature"/> (or for every feature).</summary>
    public async Task<bool> HoldsAsync(Caller caller, Role role, string? feature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (_configuredAdmins.Contains(caller.Id))
        {
            return true;
        }

        switch (caller.Source)
        {
            case CallerSource.None:
                return false;
            case CallerSource.Function:
                // A function acts on an event someone with storage access caused (a drop, a message, a timer): storage's own access control decided.
                return true;
        }

        var held = await roles.GetAsync(caller.Id, cancellationToken);
        return held.Any(a => RoleNames.Satisfies(a.Role, role) && (a.Feature == RoleNames.AnyFeature || a.Feature == feature));
    }

    /// <summary>Grants a role (an admin's change; on a store without admins anyone may grant the first).</summary>
    public async Task<RoleAssignment> GrantAsync(string principal, Role role, string? feature, string? why = null, CancellationToken cancellationToken = default)
    {
        RoleStore.ValidatePrincipal(principal);
        var caller = await DemandAsync(Role.Admin, null, $"grant roles", cancellationToken);
        var assignment = new RoleAssignment(principal, role, feature ?? RoleNames.AnyFeature, caller.Id, clock.GetUtcNow());
        if (await roles.GrantAsync(assignment, cancellationToken))
        {
            await RecordAsync(new AuditRecord("role.grant", principal, feature, why, After: RoleNames.Name(role)), caller, cancellationToken);
        }

        return assignment;
    }

    /// <summary>Revokes a role (an admin's change); returns whether it was held.</summary>
    public async Task<bool> RevokeAsync(string principal, Role role, string? feature, string? why = null, CancellationToken cancellationToken = default)
    {
        var caller = await DemandAsync(Role.Admin, null, "revoke roles", cancellationToken);
        var held = await roles.RevokeAsync(principal, role, feature ?? RoleNames.AnyFeature, cancellationToken);
        if (held)
        {
            await RecordAsync(new AuditRecord("role.revoke", principal, feature, why, Before: RoleNames.Name(role)), caller, cancellationToken);
        }

        return held;
    }

    /// <summary>Creates a named key holding <paramref name="role"/> (an admin's change); returns its secret, shown once.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateKeyAsync(string name, Role role, string? feature, CancellationToken cancellationToken = default)
    {
        ApiKeyStore.ValidateName(name);
        var caller = await DemandAsync(Role.Admin, null, "create keys", cancellationToken);
        var created = await keys.CreateAsync(name, caller.Id, cancellationToken);
        await RecordAsync(new AuditRecord("key.create", created.Key.Principal, feature, null, After: RoleNames.Name(role)), caller, cancellationToken);
        await roles.GrantAsync(new RoleAssignment(created.Key.Principal, role, feature ?? RoleNames.AnyFeature, caller.Id, created.Key.CreatedAt), cancellationToken);
        return created;
    }

    /// <summary>Revokes a named key (an admin's change).</summary>
    public async Task<ApiKey> RevokeKeyAsync(string name, CancellationToken cancellationToken = default)
    {
        var caller = await DemandAsync(Role.Admin, null, "revoke keys", cancellationToken);
        var key = await keys.RevokeAsync(name, cancellationToken);
        await RecordAsync(new AuditRecord("key.revoke", key.Principal), caller, cancellationToken);
        return key;
    }

    /// <summary>
    /// The gate of a change that reaches production (<paramref name="kind"/> of <paramref name="target"/>). Without
    /// required approvals, the caller needs <paramref name="approverRole"/> and makes the change. With them, the caller
    /// (a contributor) only requests it: the request is stored and an <see cref="ApprovalRequiredException"/> says so;
    /// the change is made when the approvals arrive (<see cref="ApproveAsync"/>), by this same call, redone from
    /// <paramref name="parameters"/> as the requester. Returns who makes the change.
    /// </summary>
    public async Task<Caller> DemandChangeAsync(
        string kind, string? feature, string target, IReadOnlyDictionary<string, string> parameters, string? why, int requiredApprovals, Role approverRole, string action,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (Applying.Value is { } approved && approved.Kind == kind && approved.Target == target)
        {
            return Caller;
        }

        if (requiredApprovals <= 0)
        {
            return await DemandAsync(approverRole, feature, action, cancellationToken);
        }

        var caller = await DemandAsync(Role.Contributor, feature, "request to " + action, cancellationToken);
        var request = await approvals.CreateAsync(
            new ChangeRequest("change:" + Ulid.NewUlid(clock.GetUtcNow()), kind, feature, target, parameters, caller.Id, caller.Name, clock.GetUtcNow(), why, requiredApprovals, approverRole, [], ChangeRequest.Pending),
            cancellationToken);
        await RecordAsync(new AuditRecord("approval.request", request.Id, feature, why, After: $"{kind} {target}"), caller, cancellationToken);
        throw new ApprovalRequiredException(request);
    }

    /// <summary>
    /// Approves a pending change as the current caller, who needs the request's role and is not its requester. The
    /// last approval it needs applies it (as the requester, with the approvals as its evidence); a change that fails
    /// to apply is marked failed with the error.
    /// </summary>
    public async Task<ChangeRequest> ApproveAsync(string id, string? reason, CancellationToken cancellationToken = default)
    {
        var (request, etag) = await approvals.GetAsync(id, cancellationToken);
        RequirePending(request);
        var caller = await DemandAsync(request.Role, request.Feature, $"approve {id}", cancellationToken);
        if (caller.Id == request.RequestedBy)
        {
            throw new LlmOpsException(ErrorCode.Forbidden, $"{caller} requested {id}: a requester cannot approve their own change; another {RoleNames.Name(request.Role)} must.");
        }

        if (request.Approvals.Any(a => a.By == caller.Id))
        {
            throw LlmOpsException.Conflict($"{caller} has approved {id} already; it needs {request.Required - request.Approvals.Count} more from someone else.");
        }

        request = request with { Approvals = [.. request.Approvals, new ApprovalVote(caller.Id, clock.GetUtcNow(), reason)] };
        if (request.Approvals.Count < request.Required)
        {
            await approvals.UpdateAsync(request, etag, cancellationToken);
            await RecordAsync(new AuditRecord("approval.approve", id, request.Feature, reason, After: $"{request.Approvals.Count}/{request.Required}"), caller, cancellationToken);
            return request;
        }

        // Claimed by the ETag: of two last approvers, one applies the change.
        etag = await approvals.UpdateAsync(request with { Status = "approved" }, etag, cancellationToken);
        await RecordAsync(new AuditRecord("approval.approve", id, request.Feature, reason, After: $"{request.Approvals.Count}/{request.Required}"), caller, cancellationToken);
        var applier = (services?.GetService(typeof(IEnumerable<IChangeApplier>)) as IEnumerable<IChangeApplier> ?? []).FirstOrDefault(a => a.Kinds.Contains(request.Kind))
            ?? throw new InvalidOperationException($"Nothing applies changes of kind {request.Kind}.");
        string result;
        var previous = Applying.Value;
        try
        {
            Applying.Value = request;
            using (CallerContext.Use(Caller.FromId(request.RequestedBy, request.RequestedByName)))
            {
                result = await applier.ApplyAsync(request, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await approvals.UpdateAsync(request with { Status = ChangeRequest.Failed, Result = ex.Message }, etag, cancellationToken);
            throw;
        }
        finally
        {
            Applying.Value = previous;
        }

        request = request with { Status = ChangeRequest.Applied, Result = result };
        await approvals.UpdateAsync(request, etag, cancellationToken);
        return request;
    }

    /// <summary>Rejects a pending change (an approver of it, or its requester withdrawing it), with the reason.</summary>
    public async Task<ChangeRequest> RejectAsync(string id, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var (request, etag) = await approvals.GetAsync(id, cancellationToken);
        RequirePending(request);
        var caller = Caller.Id == request.RequestedBy ? Caller : await DemandAsync(request.Role, request.Feature, $"reject {id}", cancellationToken);
        request = request with { Status = ChangeRequest.Rejected, Rejection = new ApprovalVote(caller.Id, clock.GetUtcNow(), reason) };
        await approvals.UpdateAsync(request, etag, cancellationToken);
        await RecordAsync(new AuditRecord("approval.reject", id, request.Feature, reason, After: ChangeRequest.Rejected), caller, cancellationToken);
        return request;
    }

    /// <summary>The evidence an applied change records: its request and approvers.</summary>
    public static string Evidence(ChangeRequest request, string? why)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{(string.IsNullOrEmpty(why) ? "" : why + "; ")}approved in {request.Id} by {string.Join(", ", request.Approvals.Select(a => a.By))}";
    }

    private static void RequirePending(ChangeRequest request)
    {
        if (request.Status != ChangeRequest.Pending)
        {
            throw LlmOpsException.Conflict($"{request.Id} is {request.Status}{(request.Rejection is { } r ? $" by {r.By}: {r.Reason}" : "")}; only a pending change can be approved or rejected.");
        }
    }

    /// <summary>Records a change made by <paramref name="caller"/> (the current caller when null).</summary>
    public Task<AuditEntry> RecordAsync(AuditRecord record, Caller? caller = null, CancellationToken cancellationToken = default) =>
        audit.AppendAsync(record, caller ?? Caller, cancellationToken);
}
