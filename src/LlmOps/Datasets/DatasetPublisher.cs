using LlmOps.Storage;

namespace LlmOps.Datasets;

/// <summary>
/// The one publisher of dataset versions: ingestion, evaluation sets, review batches, labeled versions and erasure's
/// successors all go through it. The id derives from the content hash, the schema and the preprocessing; parts and
/// manifest are written once; the version is catalogued. Each step is keyed by the version, so a replay after a crash
/// finishes what is missing and rewrites nothing.
/// </summary>
public sealed class DatasetPublisher(StorageAccount storage, TimeProvider clock)
{
    private readonly DatasetVersionWriter _writer = new(storage);
    private readonly DatasetStore _datasets = new(storage);

    /// <summary>Publishes records built in memory or streamed by the caller: they are spooled in the order given.</summary>
    public async Task<PublishedVersion> PublishAsync(IAsyncEnumerable<DatasetRecord> records, VersionDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        await using var spool = new DatasetSpool();
        long count = 0, chunks = 0, tokens = 0;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            await spool.AddAsync(record, cancellationToken);
            count++;
            chunks += record.Chunks.Count;
            tokens += record.Tokens;
        }

        var contentSha = await spool.CompleteAsync(cancellationToken);
        return await PublishAsync(spool.Parts, contentSha, count, chunks, tokens, draft, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(IAsyncEnumerable{DatasetRecord}, VersionDraft, CancellationToken)"/>
    public Task<PublishedVersion> PublishAsync(IEnumerable<DatasetRecord> records, VersionDraft draft, CancellationToken cancellationToken = default) =>
        PublishAsync(records.ToAsyncEnumerable(), draft, cancellationToken);

    /// <summary>
    /// Publishes parts already made: a completed spool's (ingestion), or erasure's, where a part is a local file or an
    /// existing blob to copy server-side. <paramref name="contentSha"/> is the records' <see cref="DatasetContentHash"/>.
    /// </summary>
    public async Task<PublishedVersion> PublishAsync(IReadOnlyList<SpooledPart> parts, string contentSha, long records, long chunks, long tokens, VersionDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(draft);
        var manifest = new DatasetManifest(
            DatasetVersionWriter.VersionId(draft.Source, contentSha, draft.Preprocessing, draft.Schema),
            draft.Feature,
            draft.Source,
            draft.Preprocessing,
            contentSha,
            draft.Schema,
            [],
            records,
            chunks,
            tokens,
            draft.SourceBlob,
            draft.SourceETag,
            draft.Quality ?? new DatasetQuality(records, records, 0, 0, 0, new Dictionary<string, long>()),
            draft.Pii,
            draft.Languages,
            draft.CreatedAt ?? clock.GetUtcNow());
        var (stored, created) = await _writer.PublishAsync(parts, manifest, cancellationToken);
        var entry = await _datasets.CatalogAsync(stored, cancellationToken);
        return new PublishedVersion(stored, created, entry);
    }
}
