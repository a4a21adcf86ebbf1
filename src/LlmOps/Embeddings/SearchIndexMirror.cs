using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using LlmOps.Lifecycle;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace LlmOps.Embeddings;

/// <summary>
/// Keeps an Azure AI Search index in step with the newest embedding index version of a source, for the features whose
/// lifecycle says <c>store: azure-ai-search</c>. Our shard index stays the record (immutable, versioned, erasable);
/// the search index mirrors one version at a time. A sync compares the version to mirror with the one mirrored (chunk
/// id and content hash, read from the shards' metadata, not the service) and sends only what changed: new and edited
/// chunks as <c>mergeOrUpload</c>, removed ones as <c>delete</c>. What is mirrored is kept in
/// <c>embeddings/_search/{index}.json</c>, written after the service took every change and only if no other sync
/// wrote it meanwhile (ETag): a sync stopped halfway is redone whole on retry (the writes are idempotent), an older
/// version never replaces a newer one, and a sync that loses the race lays the winner's version over what it wrote.
/// </summary>
public sealed class SearchIndexMirror(EmbeddingIndexStore indexes, LifecycleCatalog lifecycles, AzureAISearchStore search, ILogger<SearchIndexMirror> logger)
{
    public const string StateFolder = "_search/";

    /// <summary>Mirrors <paramref name="manifest"/> when its feature's lifecycle stores vectors in Azure AI Search; null otherwise.</summary>
    public async Task<SearchMirrorResult?> SyncIfConfiguredAsync(EmbeddingIndexManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var settings = (await lifecycles.GetAsync(manifest.Feature, cancellationToken))?.Embedding;
        return settings?.Store == EmbeddingSettings.AzureAISearchStore ? await SyncAsync(manifest, rebuild: false, cancellationToken) : null;
    }

    /// <summary>
    /// Makes the search index hold exactly <paramref name="manifest"/>'s chunks. <paramref name="rebuild"/> drops and
    /// recreates the index first and uploads every chunk (after the mirrored version was erased from under it, or to
    /// change the index's definition).
    /// </summary>
    public async Task<SearchMirrorResult> SyncAsync(EmbeddingIndexManifest manifest, bool rebuild, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var collection = search.Collection(manifest.Source, manifest.Model, manifest.Dimensions);
        var state = indexes.Container.GetBlobClient(StateFolder + collection.Name + ".json");
        if (rebuild)
        {
            await collection.EnsureCollectionDeletedAsync(cancellationToken);
            await state.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }

        await collection.EnsureCollectionExistsAsync(cancellationToken);
        while (true)
        {
            var (mirrored, etag) = await ReadStateAsync(state, cancellationToken);
            if (mirrored?.IndexId == manifest.Id)
            {
                return new SearchMirrorResult(collection.Name, manifest.Id, 0, 0, manifest.Vectors, 0, SearchMirrorOutcome.AlreadyMirrored);
            }

            if (mirrored is not null && mirrored.CreatedAt > manifest.CreatedAt)
            {
                logger.LogInformation("{Index}: {Mirrored} is newer than {Version}; the search index keeps it", collection.Name, mirrored.IndexId, manifest.Id);
                return new SearchMirrorResult(collection.Name, manifest.Id, 0, 0, 0, 0, SearchMirrorOutcome.NewerMirrored);
            }

            var from = mirrored is null ? null : await indexes.GetAsync(mirrored.IndexId, cancellationToken);
            if (mirrored is not null && from is null)
            {
                logger.LogWarning("{Index}: the mirrored version {Mirrored} is gone (erased?); every chunk of {Version} is uploaded, and chunks only it had stay until `llmops embeddings mirror --rebuild`", collection.Name, mirrored.IndexId, manifest.Id);
            }

            var applied = await ApplyAsync(collection, from, manifest, cancellationToken);
            try
            {
                var written = new MirrorState(manifest.Id, manifest.CreatedAt, manifest.Vectors);
                await state.UploadAsync(BinaryData.FromObjectAsJson(written, JsonSerializerOptions.Web), new BlobUploadOptions
                {
                    Conditions = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellationToken);
                logger.LogInformation("{Index} mirrors {Version}: {Uploaded} uploaded, {Deleted} deleted, {Unchanged} unchanged in {Requests} request(s)",
                    collection.Name, manifest.Id, applied.Uploaded, applied.Deleted, applied.Unchanged, applied.Requests);
                return applied;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                var (winner, _) = await ReadStateAsync(state, cancellationToken);
                if (winner is not null && winner.CreatedAt > manifest.CreatedAt && await indexes.GetAsync(winner.IndexId, cancellationToken) is { } newer)
                {
                    // Another sync mirrored a newer version while this one wrote: lay it over what this one sent.
                    await ApplyAsync(collection, manifest, newer, cancellationToken);
                    return applied with { Outcome = SearchMirrorOutcome.NewerMirrored };
                }
            }
        }
    }

    /// <summary>Whether the search index of <paramref name="manifest"/>'s source, model and size holds exactly that version (search asks before it sends a query there).</summary>
    public async Task<bool> MirrorsAsync(EmbeddingIndexManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var name = AzureAISearchStore.IndexName(search.Options.IndexPrefix, manifest.Source, manifest.Model, manifest.Dimensions);
        var (state, _) = await ReadStateAsync(indexes.Container.GetBlobClient(StateFolder + name + ".json"), cancellationToken);
        return state?.IndexId == manifest.Id;
    }

    /// <summary>The top <paramref name="k"/> chunks of the mirrored <paramref name="manifest"/> for a unit query vector, through the VectorData collection.</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(EmbeddingIndexManifest manifest, float[] vector, int k, IReadOnlyDictionary<string, string>? filters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var collection = search.Collection(manifest.Source, manifest.Model, manifest.Dimensions);
        var hits = new List<SearchHit>(k);
        await foreach (var result in collection.SearchAsync(vector, k, new VectorSearchOptions<ChunkDocument> { Filter = ChunkFilter.FromMatches(filters) }, cancellationToken))
        {
            hits.Add(new SearchHit((float)(result.Score ?? 0), result.Record.ToChunk()));
        }

        return hits;
    }

    /// <summary>How many chunks of the mirrored version pass <paramref name="filters"/>.</summary>
    public async Task<long> CountAsync(EmbeddingIndexManifest manifest, IReadOnlyDictionary<string, string>? filters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var collection = search.Collection(manifest.Source, manifest.Model, manifest.Dimensions);
        return await collection.CountAsync(ChunkFilter.FromMatches(filters), cancellationToken);
    }

    /// <summary>
    /// Sends what turns <paramref name="from"/> into <paramref name="to"/>. Memory stays bounded at any index size: the
    /// chunks of <paramref name="from"/> are held as two 128-bit hashes each (chunk id, content), <paramref name="to"/>
    /// is read one shard at a time, and the ids of removed chunks are found in a second pass over <paramref name="from"/>.
    /// </summary>
    private async Task<SearchMirrorResult> ApplyAsync(AzureAISearchCollection collection, EmbeddingIndexManifest? from, EmbeddingIndexManifest to, CancellationToken cancellationToken)
    {
        var before = new Dictionary<UInt128, UInt128>();
        if (from is not null)
        {
            await foreach (var chunk in indexes.ReadChunksAsync(from, cancellationToken))
            {
                before[Hash(chunk.ChunkId)] = Hash(chunk.ContentHash);
            }
        }

        var requests = collection.WriteRequests;
        long uploaded = 0, unchanged = 0, deleted = 0;
        foreach (var shard in to.Shards)
        {
            var (vectors, chunks) = await indexes.LoadShardAsync(to, shard, cancellationToken);
            var changed = new List<ChunkDocument>();
            for (var i = 0; i < chunks.Count; i++)
            {
                if (before.Remove(Hash(chunks[i].ChunkId), out var content) && content == Hash(chunks[i].ContentHash))
                {
                    unchanged++;
                    continue;
                }

                changed.Add(ChunkDocument.From(chunks[i], to.Id, vectors.AsSpan(i * to.Dimensions, to.Dimensions).ToArray()));
            }

            await collection.UpsertAsync(changed, cancellationToken);
            uploaded += changed.Count;
        }

        if (before.Count > 0)
        {
            var removed = new List<string>();
            await foreach (var chunk in indexes.ReadChunksAsync(from!, cancellationToken))
            {
                if (before.ContainsKey(Hash(chunk.ChunkId)))
                {
                    removed.Add(ChunkDocument.KeyOf(chunk.ChunkId));
                }

                if (removed.Count >= search.Options.BatchSize)
                {
                    await collection.DeleteAsync(removed, cancellationToken);
                    (deleted, removed) = (deleted + removed.Count, []);
                }
            }

            await collection.DeleteAsync(removed, cancellationToken);
            deleted += removed.Count;
        }

        return new SearchMirrorResult(collection.Name, to.Id, uploaded, deleted, unchanged, collection.WriteRequests - requests, SearchMirrorOutcome.Mirrored);
    }

    private static UInt128 Hash(string text) => XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(text));

    private static async Task<(MirrorState? State, ETag? ETag)> ReadStateAsync(Azure.Storage.Blobs.BlobClient state, CancellationToken cancellationToken)
    {
        try
        {
            var content = await state.DownloadContentAsync(cancellationToken);
            return (content.Value.Content.ToObjectFromJson<MirrorState>(JsonSerializerOptions.Web), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, null);
        }
    }

    private sealed record MirrorState(string IndexId, DateTimeOffset CreatedAt, long Vectors);
}

/// <summary>What a mirror sync did.</summary>
public enum SearchMirrorOutcome
{
    Mirrored,
    AlreadyMirrored,
    NewerMirrored,
}

/// <summary>What a sync sent to the search index: chunks uploaded (new or changed), deleted, left alone, and the write requests it took.</summary>
public sealed record SearchMirrorResult(string SearchIndex, string IndexId, long Uploaded, long Deleted, long Unchanged, int Requests, SearchMirrorOutcome Outcome);
