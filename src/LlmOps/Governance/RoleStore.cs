using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>Role assignments in table <c>roles</c>, one partition per principal, so a caller's roles are one query.</summary>
public sealed partial class RoleStore(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.RolesTable);

    /// <summary>A principal id as roles are granted to it: <c>kind:name</c>, e.g. <c>key:ci-bot</c>, <c>entra:&lt;object id&gt;</c>, <c>local:alice</c>.</summary>
    public static string ValidatePrincipal(string principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (!PrincipalPattern().IsMatch(principal))
        {
            throw LlmOpsException.Invalid($"'{principal}' is not a principal: expected key:<name>, entra:<object id>, local:<name> or function:<name>.");
        }

        return principal;
    }

    public async Task<IReadOnlyList<RoleAssignment>> GetAsync(string principal, CancellationToken cancellationToken = default)
    {
        var rows = new List<RoleAssignment>();
        await foreach (var row in _table.QueryAsync<RoleRow>(r => r.PartitionKey == TableKey.Encode(principal), cancellationToken: cancellationToken))
        {
            rows.Add(row.ToAssignment());
        }

        return rows;
    }

    public async IAsyncEnumerable<RoleAssignment> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<RoleRow>(cancellationToken: cancellationToken))
        {
            yield return row.ToAssignment();
        }
    }

    /// <summary>Whether anyone holds the admin role in the table (then roles are enforced).</summary>
    public async Task<bool> AnyAdminAsync(CancellationToken cancellationToken = default)
    {
        var admin = RoleNames.Name(Role.Admin);
        await foreach (var _ in _table.QueryAsync<RoleRow>(r => r.Role == admin, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>Grants a role; granting it again changes nothing but who and when. Returns whether it is new.</summary>
    public async Task<bool> GrantAsync(RoleAssignment assignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ValidatePrincipal(assignment.Principal);
        var existed = (await _table.GetEntityIfExistsAsync<RoleRow>(TableKey.Encode(assignment.Principal), RowKey(assignment.Feature, assignment.Role), cancellationToken: cancellationToken)).HasValue;
        await _table.UpsertEntityAsync(
            new RoleRow
            {
                PartitionKey = TableKey.Encode(assignment.Principal),
                RowKey = RowKey(assignment.Feature, assignment.Role),
                Principal = assignment.Principal,
                Feature = assignment.Feature,
                Role = RoleNames.Name(assignment.Role),
                GrantedBy = assignment.GrantedBy,
                GrantedAt = assignment.GrantedAt,
            },
            TableUpdateMode.Replace,
            cancellationToken);
        return !existed;
    }

    /// <summary>Revokes a role; returns whether the principal held it.</summary>
    public async Task<bool> RevokeAsync(string principal, Role role, string feature, CancellationToken cancellationToken = default)
    {
        var response = await _table.DeleteEntityAsync(TableKey.Encode(ValidatePrincipal(principal)), RowKey(feature, role), cancellationToken: cancellationToken);
        return response.Status != 404;
    }

    private static string RowKey(string feature, Role role) => TableKey.Encode(feature) + "|" + RoleNames.Name(role);

    [System.Text.RegularExpressions.GeneratedRegex("^(key|entra|local|function):[A-Za-z0-9._@-]{1,128}$")]
    private static partial System.Text.RegularExpressions.Regex PrincipalPattern();
}
