using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>Table <c>driftchecks</c>: one <see cref="DriftHistoryRow"/> per drift check (PartitionKey feature, RowKey newest first|source).</summary>
public sealed class DriftHistory(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.DriftChecksTable);

    public async Task RecordAsync(DriftHistoryRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>A feature's past checks, newest first, page by page.</summary>
    public async IAsyncEnumerable<DriftHistoryRow> ListAsync(string feature, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<DriftHistoryRow>(e => e.PartitionKey == TableKey.Encode(feature), cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }

    public static string RowKeyOf(DateTimeOffset checkedAt, string source) => $"{TableKey.NewestFirst(checkedAt)}|{TableKey.Encode(source)}";
}
