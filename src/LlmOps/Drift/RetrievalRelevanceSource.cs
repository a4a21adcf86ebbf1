using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>quality.retrieval_relevance: the top-1 similarity of the queries searched (table <c>searchqueries</c>), per window.</summary>
public sealed class RetrievalRelevanceSource(StorageAccount storage) : IQualitySignalSource
{
    public string Signal => "quality.retrieval_relevance";

    public async Task<(IReadOnlyList<double> Reference, IReadOnlyList<double> Current)> ReadAsync(string feature, DateTimeOffset referenceFrom, DateTimeOffset currentFrom, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.SearchQueriesTable);
        var reference = new List<double>();
        var current = new List<double>();
        var from = TableKey.NewestFirst(until);
        var to = TableKey.NewestFirst(referenceFrom);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == TableKey.Encode(feature) && e.RowKey.CompareTo(from) >= 0 && e.RowKey.CompareTo(to) <= 0, cancellationToken: cancellationToken))
        {
            var at = row.GetDateTimeOffset("At") ?? default;
            (at >= currentFrom ? current : reference).Add(row.GetDouble("TopScore") ?? 0);
        }

        return (reference, current);
    }
}
