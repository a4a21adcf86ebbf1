using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Search.Documents;
using Azure.Search.Documents.Indexes;
using Azure.Search.Documents.Indexes.Models;
using Azure.Search.Documents.Models;
using LlmOps.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using SearchQueryVector = Azure.Search.Documents.Models.VectorSearchOptions;

namespace LlmOps.Embeddings;

/// <summary>
/// One Azure AI Search index as a VectorData collection of chunks: created with an HNSW profile (cosine) at the
/// index's dimensions, written in batches of <see cref="AzureAISearchOptions.BatchSize"/> (<c>mergeOrUpload</c> and
/// <c>delete</c> by key, so a retried batch changes nothing twice), the documents a batch answers as failed with a
/// retriable status (409, 422, 503) sent again with backoff, a batch too large (413) split in two; throttled requests
/// (429, 503) wait as Retry-After says (the client's retry policy). Search scores are cosine similarities (the service's
/// cosine score 1/(2 - cos) turned back), so they compare with exact search's.
/// </summary>
public sealed class AzureAISearchCollection : VectorStoreCollection<string, ChunkDocument>
{
    public const string VectorField = "vector";
    private const string Profile = "llmops-hnsw";
    private const string Algorithm = "hnsw-cosine";
    private static readonly int[] RetriableStatus = [409, 422, 503];
    private readonly SearchIndexClient _indexes;
    private readonly SearchClient _client;
    private readonly AzureAISearchOptions _options;

    public AzureAISearchCollection(SearchIndexClient indexes, string name, int dimensions, AzureAISearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        _indexes = indexes;
        _client = indexes.GetSearchClient(name);
        _options = options;
        Name = name;
        Dimensions = dimensions;
    }

    public override string Name { get; }

    public int Dimensions { get; }

    /// <summary>Requests the collection sent to write documents (batches and their retries).</summary>
    public int WriteRequests { get; private set; }

    /// <summary>The index definition: key, filterable ids, language and field tags, the text, and the vector field on the HNSW cosine profile.</summary>
    public SearchIndex Definition() => new(Name)
    {
        Fields =
        {
            new SimpleField("key", SearchFieldDataType.String) { IsKey = true, IsFilterable = true },
            new SimpleField("chunk_id", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("record_id", SearchFieldDataType.String) { IsFilterable = true },
            new SimpleField("language", SearchFieldDataType.String) { IsFilterable = true, IsFacetable = true },
            new SimpleField("fields", SearchFieldDataType.Collection(SearchFieldDataType.String)) { IsFilterable = true },
            new SimpleField("content_hash", SearchFieldDataType.String),
            new SimpleField("model", SearchFieldDataType.String),
            new SimpleField("index_id", SearchFieldDataType.String) { IsFilterable = true },
            new SearchableField("text"),
            new VectorSearchField(VectorField, Dimensions, Profile),
        },
        VectorSearch = new VectorSearch
        {
            Algorithms = { new HnswAlgorithmConfiguration(Algorithm) { Parameters = new HnswParameters { Metric = VectorSearchAlgorithmMetric.Cosine } } },
            Profiles = { new VectorSearchProfile(Profile, Algorithm) },
        },
    };

    public override async Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _indexes.GetIndexAsync(Name, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Creates the index, or checks that the one there has a vector field of these dimensions (a model change gets a new index name, never a silent mismatch).</summary>
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        SearchIndex existing;
        try
        {
            existing = await _indexes.GetIndexAsync(Name, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            await _indexes.CreateOrUpdateIndexAsync(Definition(), cancellationToken: cancellationToken);
            return;
        }

        var vector = existing.Fields.FirstOrDefault(f => f.Name == VectorField);
        if (vector?.VectorSearchDimensions != Dimensions)
        {
            throw LlmOpsException.Conflict($"Azure AI Search index '{Name}' exists with {(vector is null ? "no vector field" : $"{vector.VectorSearchDimensions} dimensions")}, not {Dimensions}: delete it or change {AzureAISearchOptions.SectionName}:IndexPrefix.");
        }
    }

    public override async Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _indexes.DeleteIndexAsync(Name, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
        }
    }

    public override async Task<ChunkDocument?> GetAsync(string key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var document = await _client.GetDocumentAsync<ChunkDocument>(key, Selected(options?.IncludeVectors == true), cancellationToken);
            return document.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public override async IAsyncEnumerable<ChunkDocument> GetAsync(IEnumerable<string> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            if (await GetAsync(key, options, cancellationToken) is { } document)
            {
                yield return document;
            }
        }
    }

    public override async IAsyncEnumerable<ChunkDocument> GetAsync(Expression<Func<ChunkDocument, bool>> filter, int top, FilteredRecordRetrievalOptions<ChunkDocument>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var search = new SearchOptions { Filter = ChunkFilter.ToOData(filter), Size = top, Skip = options?.Skip };
        foreach (var field in Fields(options?.IncludeVectors == true))
        {
            search.Select.Add(field);
        }

        var response = await _client.SearchAsync<ChunkDocument>("*", search, cancellationToken);
        await foreach (var result in response.Value.GetResultsAsync().WithCancellation(cancellationToken))
        {
            yield return result.Document;
        }
    }

    public override Task DeleteAsync(string key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    public override Task DeleteAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return WriteAsync(keys.Select(k => IndexDocumentsAction.Delete(new ChunkDocument { Key = k })), cancellationToken);
    }

    public override Task UpsertAsync(ChunkDocument record, CancellationToken cancellationToken = default) => UpsertAsync([record], cancellationToken);

    public override Task UpsertAsync(IEnumerable<ChunkDocument> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        return WriteAsync(records.Select(r =>
        {
            if (r.Vector?.Length != Dimensions)
            {
                throw LlmOpsException.Invalid($"Chunk {r.ChunkId} has {r.Vector?.Length ?? 0} dimensions; index '{Name}' has {Dimensions}.");
            }

            return IndexDocumentsAction.MergeOrUpload(r);
        }), cancellationToken);
    }

    /// <summary>The top <paramref name="top"/> chunks by cosine similarity to a vector (float[], ReadOnlyMemory&lt;float&gt; or Embedding&lt;float&gt;), best first, among those the filter keeps.</summary>
    public override async IAsyncEnumerable<VectorSearchResult<ChunkDocument>> SearchAsync<TInput>(TInput searchValue, int top, Microsoft.Extensions.VectorData.VectorSearchOptions<ChunkDocument>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ReadOnlyMemory<float> vector = searchValue switch
        {
            float[] array => array,
            ReadOnlyMemory<float> memory => memory,
            Embedding<float> embedding => embedding.Vector,
            _ => throw new NotSupportedException($"Search '{Name}' with a float[], ReadOnlyMemory<float> or Embedding<float>, not {typeof(TInput).Name}: queries are embedded by the index's own model first."),
        };
        if (vector.Length != Dimensions)
        {
            throw LlmOpsException.Invalid($"The query has {vector.Length} dimensions; index '{Name}' has {Dimensions}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var skip = options?.Skip ?? 0;
        var search = new SearchOptions
        {
            Size = top,
            Skip = skip == 0 ? null : skip,
            Filter = options?.Filter is { } filter ? ChunkFilter.ToOData(filter) : null,
            VectorSearch = new SearchQueryVector { Queries = { new VectorizedQuery(vector) { KNearestNeighborsCount = top + skip, Fields = { VectorField } } } },
        };
        foreach (var field in Fields(options?.IncludeVectors == true))
        {
            search.Select.Add(field);
        }

        var response = await _client.SearchAsync<ChunkDocument>(null, search, cancellationToken);
        await foreach (var result in response.Value.GetResultsAsync().WithCancellation(cancellationToken))
        {
            var similarity = result.Score is { } score and > 0 ? 2 - (1 / score) : (double?)null;
            if (options?.ScoreThreshold is { } threshold && similarity < threshold)
            {
                continue;
            }

            yield return new VectorSearchResult<ChunkDocument>(result.Document, similarity);
        }
    }

    /// <summary>How many documents the filter keeps (all of them without one).</summary>
    public async Task<long> CountAsync(Expression<Func<ChunkDocument, bool>>? filter, CancellationToken cancellationToken = default)
    {
        var search = new SearchOptions { Filter = filter is null ? null : ChunkFilter.ToOData(filter), Size = 0, IncludeTotalCount = true };
        var response = await _client.SearchAsync<ChunkDocument>("*", search, cancellationToken);
        return response.Value.TotalCount ?? 0;
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(_client) ? _client
        : serviceKey is null && serviceType.IsInstanceOfType(_indexes) ? _indexes
        : null;

    private static IEnumerable<string> Fields(bool vectors) =>
        vectors
            ? ["key", "chunk_id", "record_id", "language", "fields", "content_hash", "model", "index_id", "text", VectorField]
            : ["key", "chunk_id", "record_id", "language", "fields", "content_hash", "model", "index_id", "text"];

    private static GetDocumentOptions Selected(bool vectors)
    {
        var options = new GetDocumentOptions();
        foreach (var field in Fields(vectors))
        {
            options.SelectedFields.Add(field);
        }

        return options;
    }

    private async Task WriteAsync(IEnumerable<IndexDocumentsAction<ChunkDocument>> actions, CancellationToken cancellationToken)
    {
        foreach (var batch in actions.Chunk(_options.BatchSize))
        {
            await WriteBatchAsync(batch, cancellationToken);
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<IndexDocumentsAction<ChunkDocument>> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var attempt = 0; ; attempt++)
        {
            IndexDocumentsResult result;
            try
            {
                WriteRequests++;
                result = await _client.IndexDocumentsAsync(IndexDocumentsBatch.Create([.. pending]), new IndexDocumentsOptions { ThrowOnAnyError = false }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 413 && pending.Count > 1)
            {
                var half = pending.Count / 2;
                await WriteBatchAsync([.. pending.Take(half)], cancellationToken);
                await WriteBatchAsync([.. pending.Skip(half)], cancellationToken);
                return;
            }

            var failed = result.Results.Where(r => !r.Succeeded).ToList();
            if (failed.Count == 0)
            {
                return;
            }

            if (failed.FirstOrDefault(r => !RetriableStatus.Contains(r.Status)) is { } refused)
            {
                throw LlmOpsException.Invalid($"Azure AI Search index '{Name}' refused document {refused.Key} ({refused.Status}): {refused.ErrorMessage}");
            }

            if (attempt >= _options.MaxRetries)
            {
                throw new RequestFailedException(503, $"Azure AI Search index '{Name}' still failed {failed.Count} document(s) after {attempt + 1} attempts, e.g. {failed[0].Key} ({failed[0].Status}): {failed[0].ErrorMessage}");
            }

            var keys = failed.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            pending = [.. pending.Where(a => keys.Contains(a.Document.Key))];
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * Math.Pow(2, attempt), 10_000)), cancellationToken);
        }
    }
}
