using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Labeling;

/// <summary>
/// Imported label batches: each batch's accepted answers written once as JSON Lines under
/// <c>datasets/labels/{project}/batches/{id}.jsonl</c> (the id is a hash of the answers), and a
/// <see cref="LabelBatchRow"/> per batch in table <c>labelbatches</c>.
/// </summary>
public sealed class LabelBatchStore(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.LabelBatchesTable);

    /// <summary>Stores a batch (a replay finds the blob written and rewrites the same row); returns its row.</summary>
    public async Task<LabelBatchRow> SaveAsync(string project, string source, string sourceETag, LabelImport import, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(import);
        var lines = new StringBuilder();
        foreach (var answer in import.Accepted)
        {
            lines.Append(JsonSerializer.Serialize(answer, JsonSerializerOptions.Web)).Append('\n');
        }

        var content = BinaryData.FromString(lines.ToString());
        var id = Convert.ToHexStringLower(SHA256.HashData(content.ToMemory().Span))[..16];
        var blob = $"labels/{project}/batches/{id}.jsonl";
        await storage.Container(StorageNames.DatasetsContainer).GetBlobClient(blob).TryCreateAsync(content, cancellationToken: cancellationToken);
        var row = new LabelBatchRow
        {
            PartitionKey = TableKey.Encode(project),
            RowKey = id,
            Project = project,
            BatchId = id,
            Source = source,
            SourceETag = sourceETag,
            Blob = $"{StorageNames.DatasetsContainer}/{blob}",
            Accepted = import.Accepted.Count,
            Quarantined = import.Quarantined.Count,
            Cancelled = import.Cancelled,
            ImportedAt = at,
        };
        await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        return row;
    }

    /// <summary>A project's batches, oldest import first.</summary>
    public async Task<IReadOnlyList<LabelBatchRow>> ListAsync(string project, CancellationToken cancellationToken = default)
    {
        var rows = new List<LabelBatchRow>();
        await foreach (var row in _table.QueryAsync<LabelBatchRow>(r => r.PartitionKey == TableKey.Encode(project), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return [.. rows.OrderBy(r => r.ImportedAt).ThenBy(r => r.BatchId, StringComparer.Ordinal)];
    }

    /// <summary>Every answer of a project: a later batch's answer for the same item, annotator and field replaces an earlier one.</summary>
    public async IAsyncEnumerable<LabelAnswer> ReadAnswersAsync(string project, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var latest = new Dictionary<(string, string, string), LabelAnswer>();
        foreach (var batch in await ListAsync(project, cancellationToken))
        {
            var content = await storage.Container(StorageNames.DatasetsContainer).GetBlobClient(batch.Blob[(StorageNames.DatasetsContainer.Length + 1)..]).DownloadContentAsync(cancellationToken);
            foreach (var line in content.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var answer = JsonSerializer.Deserialize<LabelAnswer>(line, JsonSerializerOptions.Web)!;
                latest[(answer.Item, answer.Annotator, answer.Field)] = answer;
            }
        }

        foreach (var answer in latest.Values)
        {
            yield return answer;
        }
    }
}
