using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Embeddings;

/// <summary>Every search's query and top-1 similarity, newest first per feature (table <c>searchqueries</c>), for the retrieval relevance drift signal.</summary>
public sealed class SearchQueryLog(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.SearchQueriesTable);

    public async Task RecordAsync(string feature, SearchResult result, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        await _table.UpsertEntityAsync(
            new SearchQueryRow
            {
                PartitionKey = TableKey.Encode(feature),
                RowKey = TableKey.NewestFirst(at) + "|" + Guid.NewGuid().ToString("N")[..8],
                Query = result.Query.Length > 1000 ? result.Query[..1000] : result.Query,
                IndexId = result.IndexId,
                TopScore = result.Hits.Count > 0 ? result.Hits[0].Score : 0.0,
                Hits = result.Hits.Count,
                At = at,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>The feature's searches from <paramref name="from"/> to <paramref name="until"/> (both included), newest first, page by page.</summary>
    public async IAsyncEnumerable<SearchQueryRow> ListAsync(string feature, DateTimeOffset from, DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var first = TableKey.NewestFirst(until);
        var last = TableKey.NewestFirst(from) + "|~";
        await foreach (var row in _table.QueryAsync<SearchQueryRow>(
            e => e.PartitionKey == TableKey.Encode(feature) && e.RowKey.CompareTo(first) >= 0 && e.RowKey.CompareTo(last) <= 0,
            cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }
}
