using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Lineage;
using LlmOps.Storage;

using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>Legal holds in table <c>holds</c> (<c>llmops hold add|release|list</c>): placing and releasing one takes the admin role and is audited.</summary>
public sealed class LegalHoldStore(StorageAccount storage, ChangeControl governance, TimeProvider clock)
{
    private const string Partition = "hold";
    private readonly TableClient _table = storage.Table(StorageNames.HoldsTable);

    public async Task<LegalHold> AddAsync(string id, string reason, CancellationToken cancellationToken = default)
    {
        LineageIds.Validate(id);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw LlmOpsException.Invalid("A legal hold needs a reason (--reason): the case or request it serves.");
        }

        var feature = FeatureOf(id);
        var caller = await governance.DemandAsync(Role.Admin, feature, $"place a legal hold on {id}", cancellationToken);
        var hold = new LegalHold(id, reason, caller.Id, clock.GetUtcNow());
        await _table.UpsertEntityAsync(new LegalHoldRow { PartitionKey = Partition, RowKey = TableKey.Encode(id), Id = id, Reason = reason, By = caller.Id, At = hold.At }, TableUpdateMode.Replace, cancellationToken);
        await governance.RecordAsync(new AuditRecord("hold.add", id, feature, reason), caller, cancellationToken);
        return hold;
    }

    public async Task<LegalHold> ReleaseAsync(string id, string reason, CancellationToken cancellationToken = default)
    {
        LineageIds.Validate(id);
        var feature = FeatureOf(id);
        var caller = await governance.DemandAsync(Role.Admin, feature, $"release the legal hold on {id}", cancellationToken);
        var row = await _table.GetEntityIfExistsAsync<LegalHoldRow>(Partition, TableKey.Encode(id), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is null)
        {
            throw LlmOpsException.NotFound($"No legal hold on {id} (llmops hold list shows them).");
        }

        await _table.DeleteEntityAsync(Partition, TableKey.Encode(id), row.Value.ETag, cancellationToken);
        await governance.RecordAsync(new AuditRecord("hold.release", id, feature, reason), caller, cancellationToken);
        return row.Value.ToHold();
    }

    public async IAsyncEnumerable<LegalHold> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<LegalHoldRow>(r => r.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            yield return row.ToHold();
        }
    }

    private static string? FeatureOf(string id) => id.StartsWith(LegalHold.FeaturePrefix, StringComparison.Ordinal) ? id[LegalHold.FeaturePrefix.Length..] : null;
}
