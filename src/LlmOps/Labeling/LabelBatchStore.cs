using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
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

    /// <summary>
    /// Every answer of a project: a later batch's answer for the same item, annotator and field replaces an earlier
    /// one. The merge is kept as a running summary (<c>datasets/labels/{project}/summary.json</c>), so a new drop reads
    /// the summary and its own batch, not every batch again; a batch that sorts before the summary's newest (or one
    /// gone from the table) rebuilds it from all batches.
    /// </summary>
    public async IAsyncEnumerable<LabelAnswer> ReadAnswersAsync(string project, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var batches = await ListAsync(project, cancellationToken);
        var summaryBlob = storage.Container(StorageNames.DatasetsContainer).GetBlobClient($"labels/{project}/summary.json");
        var (summary, etag) = await LoadSummaryAsync(summaryBlob, cancellationToken);
        var ids = batches.Select(b => b.BatchId).ToHashSet(StringComparer.Ordinal);
        var fresh = summary is null ? batches : batches.Where(b => !summary.Batches.Contains(b.BatchId, StringComparer.Ordinal)).ToList();
        var inOrder = summary is not null
            && summary.Batches.All(ids.Contains)
            && fresh.All(b => b.ImportedAt > summary.NewestImport || (b.ImportedAt == summary.NewestImport && string.CompareOrdinal(b.BatchId, summary.NewestBatch) > 0));
        if (!inOrder)
        {
            summary = null;
            fresh = batches;
        }

        var latest = new Dictionary<(string, string, string), LabelAnswer>();
        foreach (var answer in summary?.Answers ?? [])
        {
            latest[(answer.Item, answer.Annotator, answer.Field)] = answer;
        }

        foreach (var batch in fresh)
        {
            var content = await storage.Container(StorageNames.DatasetsContainer).GetBlobClient(batch.Blob[(StorageNames.DatasetsContainer.Length + 1)..]).DownloadContentAsync(cancellationToken);
            Interlocked.Increment(ref _batchesRead);
            foreach (var line in content.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var answer = JsonSerializer.Deserialize<LabelAnswer>(line, JsonSerializerOptions.Web)!;
                latest[(answer.Item, answer.Annotator, answer.Field)] = answer;
            }
        }

        if (fresh.Count > 0 && batches.Count > 0)
        {
            var newest = batches[^1];
            var updated = new Summary([.. batches.Select(b => b.BatchId)], newest.ImportedAt, newest.BatchId, [.. latest.Values]);
            try
            {
                // Conditional: a drop handled at the same time may have written a newer summary; then that one stays.
                var conditions = etag is { } known ? new BlobRequestConditions { IfMatch = known } : new BlobRequestConditions { IfNoneMatch = ETag.All };
                await summaryBlob.UploadAsync(BinaryData.FromObjectAsJson(updated, JsonSerializerOptions.Web), new BlobUploadOptions { Conditions = conditions }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Kept the other writer's summary; the answers returned here are complete either way.
            }
        }

        foreach (var answer in latest.Values)
        {
            yield return answer;
        }
    }

    /// <summary>Batch blobs downloaded by this store so far (what the running summary saves).</summary>
    public long BatchesRead => Interlocked.Read(ref _batchesRead);

    private long _batchesRead;

    private static async Task<(Summary? Summary, ETag? ETag)> LoadSummaryAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            return (content.Value.Content.ToObjectFromJson<Summary>(JsonSerializerOptions.Web), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, null);
        }
    }

    /// <summary>The merged answers of <see cref="Batches"/>, the newest of which is <see cref="NewestBatch"/>.</summary>
    private sealed record Summary(List<string> Batches, DateTimeOffset NewestImport, string NewestBatch, List<LabelAnswer> Answers);
}
