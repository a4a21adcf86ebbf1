using System.Globalization;
using System.IO.Hashing;
using System.Text;
using LlmOps.Datasets;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using Microsoft.Extensions.Logging;
using LlmOps.Telemetry;

namespace LlmOps.Embeddings;

/// <summary>
/// Builds the embedding index version of a dataset version with the provider, model and dimensions of its feature's
/// lifecycle. Only chunks whose (content hash, provider, model, dimensions) are not in the newest earlier index of the
/// same source are sent to the provider; an index that exists already costs no call at all. A model or size change
/// gives a new index id, hence a new version. Lineage: dataset version -derived_from-> index version. With
/// <c>store: azure-ai-search</c> the version is then mirrored to Azure AI Search (only the chunks that changed).
/// </summary>
public sealed class EmbeddingRefresher(
    DatasetStore datasets,
    EmbeddingIndexStore indexes,
    LifecycleCatalog lifecycles,
    EmbeddingGeneratorFactory generators,
    LineageStore lineage,
    TimeProvider clock,
    ILogger<EmbeddingRefresher> logger,
    SearchIndexMirror? mirror = null)
{
    public const int ShardVectors = 32_768;

    /// <summary>Above this many floats (a million 384-dimensional vectors, 1.5 GB) exact search fills an instance: the refresh says so.</summary>
    public const long ExactStoreAdvisoryFloats = 384L * 1_000_000;
    private const int Window = 2048;

    public async Task<EmbeddingRefreshResult> RefreshAsync(string datasetId, CancellationToken cancellationToken)
    {
        var dataset = await datasets.GetAsync(datasetId, cancellationToken)
            ?? throw LlmOpsException.NotFound($"Dataset version {datasetId} has no manifest; nothing to embed.");
        var settings = (await lifecycles.GetAsync(dataset.Feature, cancellationToken))?.Embedding ?? EmbeddingSettings.Default;
        return await RefreshAsync(dataset, settings, cancellationToken);
    }

    public async Task<EmbeddingRefreshResult> RefreshAsync(DatasetManifest dataset, EmbeddingSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(settings);
        using var span = LlmOpsTelemetry.Embeddings.StartActivity("refresh index");
        span?.SetTag("llmops.dataset.version", dataset.Id);
        span?.SetTag("gen_ai.request.model", settings.Model);
        var indexId = EmbeddingIndexManifest.IdFor(dataset.Id, settings.Model, settings.Dimensions);
        if (await indexes.GetAsync(indexId, cancellationToken) is { } existing)
        {
            await indexes.IndexAsync(existing, cancellationToken);
            await RecordLineageAsync(existing, cancellationToken);
            return new EmbeddingRefreshResult(existing, false, 0, 0, 0, await MirrorAsync(existing, settings, cancellationToken));
        }

        var cache = await LoadCacheAsync(dataset.Source, settings, cancellationToken);
        using var generator = generators.Create(settings);
        var shards = new List<IndexShard>();
        var shardVectors = new List<float>(ShardVectors * settings.Dimensions);
        var shardChunks = new List<IndexedChunk>(ShardVectors);
        var window = new List<(IndexedChunk Chunk, string Text)>(Window);
        long vectors = 0, reused = 0;

        await foreach (var record in datasets.ReadRecordsAsync(dataset, cancellationToken))
        {
            var fields = record.Fields
                .Where(f => f.Value is not null)
                .ToDictionary(f => f.Key, f => Convert.ToString(f.Value, CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal);
            foreach (var chunk in record.Chunks)
            {
                var text = record.ChunkText(chunk);
                window.Add((new IndexedChunk(chunk.Id, record.Id, ContentHash(text), settings.Model, record.Language, text, fields), text));
                if (window.Count == Window)
                {
                    await FlushWindowAsync();
                }
            }
        }

        await FlushWindowAsync();
        if (shardChunks.Count > 0 || shards.Count == 0)
        {
            await WriteShardAsync();
        }

        var manifest = new EmbeddingIndexManifest(
            indexId, dataset.Id, dataset.Feature, dataset.Source, settings.Provider, settings.Model, settings.Dimensions,
            vectors, shards, generator.Usage.Inputs, reused, generator.Usage.Requests, clock.GetUtcNow());
        var created = await indexes.PublishAsync(manifest, cancellationToken);
        if (!created)
        {
            manifest = await indexes.GetAsync(indexId, cancellationToken) ?? manifest;
        }

        await RecordLineageAsync(manifest, cancellationToken);
        logger.LogInformation("{Index}: {Vectors} vectors, {Embedded} embedded by {Provider}/{Model} in {Requests} request(s), {Reused} reused",
            indexId, vectors, generator.Usage.Inputs, settings.Provider, settings.Model, generator.Usage.Requests, reused);
        return new EmbeddingRefreshResult(manifest, created, generator.Usage.Inputs, reused, generator.Usage.Requests, await MirrorAsync(manifest, settings, cancellationToken));

        async Task FlushWindowAsync()
        {
            if (window.Count == 0)
            {
                return;
            }

            var missing = window.Select(w => (w.Chunk.ContentHash, w.Text)).Where(w => !cache.ContainsKey(w.ContentHash)).DistinctBy(w => w.ContentHash).ToList();
            if (missing.Count > 0)
            {
                var embeddings = await generator.GenerateAsync(missing.Select(m => m.Text), new() { Dimensions = settings.Dimensions }, cancellationToken);
                for (var i = 0; i < missing.Count; i++)
                {
                    var vector = embeddings[i].Vector.ToArray();
                    if (vector.Length != settings.Dimensions)
                    {
                        throw LlmOpsException.Invalid($"{settings.Provider}/{settings.Model} returned {vector.Length} dimensions; the lifecycle asks for {settings.Dimensions}.");
                    }

                    UnitVector.Normalize(vector);
                    cache[missing[i].ContentHash] = vector;
                }
            }

            foreach (var (chunk, _) in window)
            {
                shardVectors.AddRange(cache[chunk.ContentHash]);
                shardChunks.Add(chunk);
                vectors++;
                if (shardChunks.Count == ShardVectors)
                {
                    await WriteShardAsync();
                }
            }

            reused += window.Count - missing.Count;
            window.Clear();
        }

        async Task WriteShardAsync()
        {
            shards.Add(await indexes.WriteShardAsync(indexId, shards.Count, settings.Provider, settings.Model, settings.Dimensions, shardVectors.ToArray(), [.. shardChunks], cancellationToken));
            shardVectors.Clear();
            shardChunks.Clear();
        }
    }

    /// <summary>The vectors of the newest earlier index of this source with the same provider, model and size, by content hash.</summary>
    private async Task<Dictionary<string, float[]>> LoadCacheAsync(string source, EmbeddingSettings settings, CancellationToken cancellationToken)
    {
        var cache = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (await indexes.LatestAsync(source, settings.Provider, settings.Model, settings.Dimensions, cancellationToken) is not { } previous)
        {
            return cache;
        }

        var index = await indexes.LoadAsync(previous, cancellationToken);
        for (var i = 0; i < index.Count; i++)
        {
            cache.TryAdd(index.Chunks[i].ContentHash, index.Vectors.AsSpan(i * index.Manifest.Dimensions, index.Manifest.Dimensions).ToArray());
        }

        return cache;
    }

    private async Task<SearchMirrorResult?> MirrorAsync(EmbeddingIndexManifest manifest, EmbeddingSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Store != EmbeddingSettings.AzureAISearchStore)
        {
            if (manifest.Vectors * manifest.Dimensions > ExactStoreAdvisoryFloats)
            {
                logger.LogWarning("{Index} holds {Vectors} vectors of {Dimensions} dimensions ({Gigabytes:0.0} GB in memory to search exactly): consider embedding.store: {Store} (docs/scale-out.md)",
                    manifest.Id, manifest.Vectors, manifest.Dimensions, manifest.Vectors * manifest.Dimensions * 4 / 1e9, EmbeddingSettings.AzureAISearchStore);
            }

            return null;
        }

        return mirror is null
            ? throw LlmOpsException.Invalid($"{manifest.Feature}'s lifecycle stores vectors in {EmbeddingSettings.AzureAISearchStore}, but this app has no search mirror registered.")
            : await mirror.SyncAsync(manifest, rebuild: false, cancellationToken);
    }

    private Task RecordLineageAsync(EmbeddingIndexManifest index, CancellationToken cancellationToken) =>
        lineage.RecordAsync(
            new LineageEvent(
                $"llmops.embed/{index.Source}",
                LineageIds.StableRunId("embed|" + index.Id),
                LineageRelation.DerivedFrom,
                [new LineageDataset(index.DatasetId)],
                [new LineageDataset(index.Id, new Dictionary<string, string>
                {
                    ["provider"] = index.Provider,
                    ["model"] = index.Model,
                    ["dimensions"] = index.Dimensions.ToString(CultureInfo.InvariantCulture),
                    ["vectors"] = index.Vectors.ToString(CultureInfo.InvariantCulture),
                })]),
            cancellationToken);

    /// <summary>The cache key of a chunk: a 128-bit hash of its exact text.</summary>
    public static string ContentHash(string text) => Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(text)));
}
