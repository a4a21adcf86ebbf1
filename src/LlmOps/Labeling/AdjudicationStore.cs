using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Labeling;

/// <summary>Reviewer decisions on items the annotators did not settle (table <c>adjudications</c>), with who and why; an audit trail, latest first per item.</summary>
public sealed class AdjudicationStore(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.AdjudicationsTable);

    public async Task RecordAsync(string project, Adjudication decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(decision);
        await _table.AddEntityAsync(
            new AdjudicationRow
            {
                PartitionKey = TableKey.Encode(project),
                RowKey = $"{TableKey.Encode(decision.Item)}|{TableKey.Encode(decision.Field)}|{TableKey.NewestFirst(decision.At)}",
                Item = decision.Item,
                Field = decision.Field,
                Values = JsonSerializer.Serialize(decision.Values),
                By = decision.By,
                Reason = decision.Reason,
                At = decision.At,
            },
            cancellationToken);
    }

    /// <summary>Every decision of a project (all of them; the evaluator takes the latest per item and field).</summary>
    public async Task<IReadOnlyList<Adjudication>> ListAsync(string project, CancellationToken cancellationToken = default)
    {
        var decisions = new List<Adjudication>();
        await foreach (var row in _table.QueryAsync<AdjudicationRow>(r => r.PartitionKey == TableKey.Encode(project), cancellationToken: cancellationToken))
        {
            decisions.Add(new Adjudication(row.Item, row.Field, JsonSerializer.Deserialize<List<string>>(row.Values) ?? [], row.By, row.Reason, row.At));
        }

        return decisions;
    }
}
