using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Ingestion;

/// <summary>Table <c>ingestions</c>: one <see cref="IngestionRecord"/> per ingested blob version (PartitionKey source, RowKey name|ETag).</summary>
public sealed class IngestionLog(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.IngestionsTable);

    public static (string PartitionKey, string RowKey) KeyOf(string source, string name, string etag) =>
        (TableKey.Encode(source), TableKey.Encode($"{name}|{etag}"));

    public async Task<IngestionRecord?> GetAsync(string source, string name, string etag, CancellationToken cancellationToken = default)
    {
        var (partitionKey, rowKey) = KeyOf(source, name, etag);
        var row = await _table.GetEntityIfExistsAsync<IngestionRecord>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>A source's ingestions, page by page as the table returns them.</summary>
    public async IAsyncEnumerable<IngestionRecord> ListAsync(string source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<IngestionRecord>(r => r.PartitionKey == TableKey.Encode(source), cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }

    /// <summary>Writes the outcome of an ingestion; a re-run of the same blob version (after a crash) counts one attempt more.</summary>
    public async Task RecordAsync(IngestionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var earlier = await _table.GetEntityIfExistsAsync<IngestionRecord>(record.PartitionKey, record.RowKey, [nameof(IngestionRecord.Attempts)], cancellationToken);
        record.Attempts = earlier.HasValue && earlier.Value is { } row ? row.Attempts + 1 : 1;
        await _table.UpsertEntityAsync(record, TableUpdateMode.Replace, cancellationToken);
    }
}
