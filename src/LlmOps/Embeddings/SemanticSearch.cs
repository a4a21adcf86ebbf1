using LlmOps.Errors;
using LlmOps.Lifecycle;

namespace LlmOps.Embeddings;

/// <summary>
/// Exact top-k cosine search over an index version (unless one is named: the newest of the given feature, or of the
/// only feature with indexes; with several features and neither named it asks which), with the query embedded by the
/// same provider, model and dimensions as the index. Filters are exact matches on <c>language</c>, <c>record</c> or
/// any record field. The last loaded index is kept in memory; every query's top-1 score goes to the search log. When the
/// feature's lifecycle says <c>store: azure-ai-search</c> and the version asked for is the one Azure AI Search mirrors,
/// the query goes there (through the VectorData collection) and no shard is loaded; any other version is searched exactly.
/// </summary>
public sealed class SemanticSearch(EmbeddingIndexStore indexes, LifecycleCatalog lifecycles, EmbeddingGeneratorFactory generators, SearchQueryLog log, TimeProvider clock, SearchIndexMirror? mirror = null) : IDisposable
{
    public const int MaxK = 1000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VectorIndex? _loaded;

    public async Task<SearchResult> SearchAsync(string query, string? indexId = null, int k = 5, IReadOnlyDictionary<string, string>? filters = null, string? feature = null, string? store = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        if (k is < 1 or > MaxK)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be from 1 to {MaxK}.");
        }

        var manifest = await ResolveAsync(indexId, feature, cancellationToken);
        var configured = (await lifecycles.GetAsync(manifest.Feature, cancellationToken))?.Embedding;
        var answering = await StoreForAsync(manifest, store, configured, cancellationToken);
        var vector = (await EmbedQueriesAsync(manifest, configured, [query], cancellationToken))[0];
        SearchResult result;
        if (answering == EmbeddingSettings.AzureAISearchStore)
        {
            var hits = await mirror!.SearchAsync(manifest, vector, k, filters, cancellationToken);
            var candidates = filters is null || filters.Count == 0 ? manifest.Vectors : await mirror.CountAsync(manifest, filters, cancellationToken);
            result = new SearchResult(query, manifest.Id, manifest.Model, (int)Math.Min(candidates, int.MaxValue), hits, answering);
        }
        else
        {
            var index = await LoadAsync(manifest.Id, null, cancellationToken);
            var filter = Filter(filters);
            var candidates = filter is null ? index.Count : index.Chunks.Count(filter);
            result = new SearchResult(query, manifest.Id, manifest.Model, candidates, index.Search(vector, k, filter), answering);
        }

        await log.RecordAsync(manifest.Feature, result, clock.GetUtcNow(), cancellationToken);
        return result;
    }

    /// <summary>
    /// The top <paramref name="k"/> hits of each query in a loaded index, the queries embedded in batches, and not
    /// logged: evaluation queries must not count as production traffic in the retrieval-relevance drift signal.
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyList<SearchHit>>> SearchUnloggedAsync(VectorIndex index, IReadOnlyList<string> queries, int k, CancellationToken cancellationToken) =>
        SearchUnloggedAsync(index, queries, k, null, cancellationToken);

    /// <summary>As <see cref="SearchUnloggedAsync(VectorIndex, IReadOnlyList{string}, int, CancellationToken)"/>, on the store named (<c>exact</c> or <c>azure-ai-search</c>; null: the one that answers for the index).</summary>
    public async Task<IReadOnlyList<IReadOnlyList<SearchHit>>> SearchUnloggedAsync(VectorIndex index, IReadOnlyList<string> queries, int k, string? store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        var configured = (await lifecycles.GetAsync(index.Manifest.Feature, cancellationToken))?.Embedding;
        var vectors = await EmbedQueriesAsync(index.Manifest, configured, queries, cancellationToken);
        if (await StoreForAsync(index.Manifest, store, configured, cancellationToken) != EmbeddingSettings.AzureAISearchStore)
        {
            return [.. vectors.Select(v => index.Search(v, k, null))];
        }

        // One request per query, a few in flight (the service queues the rest per replica anyway).
        var hits = new IReadOnlyList<SearchHit>[vectors.Length];
        await Parallel.ForAsync(0, vectors.Length, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
            hits[i] = await mirror!.SearchAsync(index.Manifest, vectors[i], k, null, token));
        return hits;
    }

    /// <summary>
    /// The store that answers for <paramref name="manifest"/>: the one asked for, else the lifecycle's when Azure AI
    /// Search mirrors this version, else exact. Asking for Azure AI Search for a version it does not mirror is an error.
    /// </summary>
    public async Task<string> StoreForAsync(EmbeddingIndexManifest manifest, string? asked, CancellationToken cancellationToken) =>
        await StoreForAsync(manifest, asked, asked is null ? (await lifecycles.GetAsync(manifest.Feature, cancellationToken))?.Embedding : null, cancellationToken);

    /// <summary>As the public overload, with the feature's embedding settings already read (null: no lifecycle).</summary>
    private async Task<string> StoreForAsync(EmbeddingIndexManifest manifest, string? asked, EmbeddingSettings? configured, CancellationToken cancellationToken)
    {
        if (asked == EmbeddingSettings.ExactStore)
        {
            return asked;
        }

        if (asked is not null and not EmbeddingSettings.AzureAISearchStore)
        {
            throw LlmOpsException.Invalid($"Unknown vector store '{asked}': expected {EmbeddingSettings.ExactStore} or {EmbeddingSettings.AzureAISearchStore}.");
        }

        if (asked is null && configured?.Store != EmbeddingSettings.AzureAISearchStore)
        {
            return EmbeddingSettings.ExactStore;
        }

        var mirrored = mirror is not null && await mirror.MirrorsAsync(manifest, cancellationToken);
        return mirrored ? EmbeddingSettings.AzureAISearchStore
            : asked is null ? EmbeddingSettings.ExactStore
            : throw LlmOpsException.Conflict($"Azure AI Search does not hold {manifest.Id} (it mirrors the newest version of {manifest.Source} whose lifecycle says store: {EmbeddingSettings.AzureAISearchStore}); search it with the exact store, or run `llmops embeddings mirror {manifest.Id}`.");
    }

    /// <summary>The queries embedded as the index's chunks were (provider, model, dimensions), normalized.</summary>
    private async Task<float[][]> EmbedQueriesAsync(EmbeddingIndexManifest manifest, EmbeddingSettings? lifecycleSettings, IReadOnlyList<string> queries, CancellationToken cancellationToken)
    {
        if (queries.Count == 0)
        {
            return [];
        }

        var configured = lifecycleSettings ?? EmbeddingSettings.Default;
        var settings = configured with { Provider = manifest.Provider, Model = manifest.Model, Dimensions = manifest.Dimensions, Deployment = configured.Model == manifest.Model ? configured.Deployment : null };
        using var generator = generators.Create(settings);
        var embeddings = await generator.GenerateAsync(queries, new() { Dimensions = manifest.Dimensions }, cancellationToken);
        return [.. embeddings.Select(e =>
        {
            var vector = e.Vector.ToArray();
            UnitVector.Normalize(vector);
            return vector;
        })];
    }

    /// <summary>
    /// The index version <paramref name="indexId"/>, or else the newest of <paramref name="feature"/> (or of the only
    /// feature that has indexes), loaded and checked.
    /// </summary>
    public async Task<VectorIndex> LoadAsync(string? indexId, string? feature, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (indexId is not null && _loaded?.Manifest.Id == indexId)
            {
                return _loaded;
            }

            var manifest = indexId is null
                ? await NewestAsync(feature, cancellationToken)
                : await indexes.GetAsync(indexId, cancellationToken) ?? throw LlmOpsException.NotFound($"No index version {indexId}. Try `llmops embeddings list`.");
            if (_loaded?.Manifest.Id != manifest.Id)
            {
                _loaded = await indexes.LoadAsync(manifest, cancellationToken);
            }

            return _loaded;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The manifest of index version <paramref name="indexId"/>, or of the newest of <paramref name="feature"/>, without loading its shards.</summary>
    public async Task<EmbeddingIndexManifest> ResolveAsync(string? indexId, string? feature, CancellationToken cancellationToken)
    {
        if (indexId is not null && _loaded?.Manifest.Id == indexId)
        {
            return _loaded.Manifest;
        }

        return indexId is null
            ? await NewestAsync(feature, cancellationToken)
            : await indexes.GetAsync(indexId, cancellationToken) ?? throw LlmOpsException.NotFound($"No index version {indexId}. Try `llmops embeddings list`.");
    }

    public void Dispose() => _gate.Dispose();

    private async Task<EmbeddingIndexManifest> NewestAsync(string? feature, CancellationToken cancellationToken)
    {
        // Rows, not manifests: only the chosen index's manifest is downloaded.
        var rows = new List<EmbeddingIndexRow>();
        await foreach (var row in indexes.RowsAsync(cancellationToken: cancellationToken))
        {
            if (feature is null || row.Feature == feature)
            {
                rows.Add(row);
            }
        }

        var features = rows.Select(r => r.Feature).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var newest = features.Count switch
        {
            0 when feature is not null => throw LlmOpsException.NotFound($"Feature '{feature}' has no embedding index yet: ingest a drop of one of its sources (or run `llmops embeddings refresh DATASET`)."),
            0 => throw LlmOpsException.NotFound("There is no embedding index yet: ingest a drop and let the dataset-versions queue build one (or run `llmops embeddings refresh DATASET`)."),
            1 => rows.MaxBy(r => r.CreatedAt)!,
            _ => throw LlmOpsException.Invalid($"Several features have embedding indexes ({string.Join(", ", features)}): name the feature or the index version."),
        };
        return await indexes.GetAsync(newest.IndexId, cancellationToken)
            ?? throw LlmOpsException.NotFound($"{newest.IndexId} is catalogued but its manifest is missing.");
    }

    private static Func<IndexedChunk, bool>? Filter(IReadOnlyDictionary<string, string>? filters)
    {
        if (filters is null || filters.Count == 0)
        {
            return null;
        }

        var conditions = filters.ToList();
        return chunk => conditions.All(c => c.Key switch
        {
            "language" => chunk.Language == c.Value,
            "record" => chunk.RecordId == c.Value,
            _ => chunk.Fields.TryGetValue(c.Key, out var value) && value == c.Value,
        });
    }
}
