using LlmOps.Errors;
using LlmOps.Lifecycle;

namespace LlmOps.Embeddings;

/// <summary>
/// Exact top-k cosine search over an index version (unless one is named: the newest of the given feature, or of the
/// only feature with indexes; with several features and neither named it asks which), with the query embedded by the
/// same provider, model and dimensions as the index. Filters are exact matches on <c>language</c>, <c>record</c> or
/// any record field. The last loaded index is kept in memory; every query's top-1 score goes to the search log.
/// </summary>
public sealed class SemanticSearch(EmbeddingIndexStore indexes, LifecycleCatalog lifecycles, EmbeddingGeneratorFactory generators, SearchQueryLog log, TimeProvider clock) : IDisposable
{
    public const int MaxK = 1000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VectorIndex? _loaded;

    public async Task<SearchResult> SearchAsync(string query, string? indexId = null, int k = 5, IReadOnlyDictionary<string, string>? filters = null, string? feature = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        if (k is < 1 or > MaxK)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be from 1 to {MaxK}.");
        }

        var index = await LoadAsync(indexId, feature, cancellationToken);
        var manifest = index.Manifest;
        var vector = (await EmbedQueriesAsync(index, [query], cancellationToken))[0];
        var filter = Filter(filters);
        var candidates = filter is null ? index.Count : index.Chunks.Count(filter);
        var result = new SearchResult(query, manifest.Id, manifest.Model, candidates, index.Search(vector, k, filter));
        await log.RecordAsync(manifest.Feature, result, clock.GetUtcNow(), cancellationToken);
        return result;
    }

    /// <summary>
    /// The top <paramref name="k"/> hits of each query in a loaded index, the queries embedded in batches, and not
    /// logged: evaluation queries must not count as production traffic in the retrieval-relevance drift signal.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<SearchHit>>> SearchUnloggedAsync(VectorIndex index, IReadOnlyList<string> queries, int k, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        var vectors = await EmbedQueriesAsync(index, queries, cancellationToken);
        return [.. vectors.Select(v => index.Search(v, k, null))];
    }

    /// <summary>The queries embedded as the index's chunks were (provider, model, dimensions), normalized.</summary>
    private async Task<float[][]> EmbedQueriesAsync(VectorIndex index, IReadOnlyList<string> queries, CancellationToken cancellationToken)
    {
        if (queries.Count == 0)
        {
            return [];
        }

        var manifest = index.Manifest;
        var lifecycle = await lifecycles.GetAsync(manifest.Feature, cancellationToken);
        var configured = lifecycle?.Embedding ?? EmbeddingSettings.Default;
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
