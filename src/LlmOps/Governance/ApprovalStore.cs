using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>Change requests in table <c>approvals</c>, newest first; updates are conditioned on the row's ETag, so two approvers never both apply a change.</summary>
public sealed class ApprovalStore(StorageAccount storage)
{
    internal const string Partition = "change";
    private readonly TableClient _table = storage.Table(StorageNames.ApprovalsTable);

    public async Task<ChangeRequest> CreateAsync(ChangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _table.AddEntityAsync(ChangeRequestRow.From(request, RowKey(request.Id)), cancellationToken);
        return request;
    }

    public async Task<(ChangeRequest Request, ETag ETag)> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!id.StartsWith("change:", StringComparison.Ordinal) || !Ulid.TryParse(id["change:".Length..], CultureInfo.InvariantCulture, out _))
        {
            throw LlmOpsException.Invalid($"'{id}' is not a change request id (change:<ulid>; llmops approvals list shows them).");
        }

        var row = await _table.GetEntityIfExistsAsync<ChangeRequestRow>(Partition, RowKey(id), cancellationToken: cancellationToken);
        return row.HasValue ? (row.Value!.ToRequest(), row.Value.ETag) : throw LlmOpsException.NotFound($"No change request {id} (llmops approvals list shows them).");
    }

    /// <summary>Replaces the request if nobody changed it since <paramref name="etag"/>; a lost race is a conflict.</summary>
    public async Task<ETag> UpdateAsync(ChangeRequest request, ETag etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return (await _table.UpdateEntityAsync(ChangeRequestRow.From(request, RowKey(request.Id)), etag, TableUpdateMode.Replace, cancellationToken)).Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw LlmOpsException.Conflict($"{request.Id} was approved, rejected or applied by someone else meanwhile; look at it again (llmops approvals list).", ex);
        }
    }

    /// <summary>Requests newest first, optionally only those in <paramref name="status"/>.</summary>
    public async IAsyncEnumerable<ChangeRequest> ListAsync(string? status = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = status is null ? $"PartitionKey eq '{Partition}'" : TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and Status eq {status}");
        await foreach (var row in _table.QueryAsync<ChangeRequestRow>(filter, cancellationToken: cancellationToken))
        {
            yield return row.ToRequest();
        }
    }

    private static string RowKey(string id) => TableKey.NewestFirst(Ulid.Parse(id["change:".Length..], CultureInfo.InvariantCulture).Time) + "|" + id["change:".Length..];
}
