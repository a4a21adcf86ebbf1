using System.Numerics.Tensors;

namespace LlmOps.Embeddings;

/// <summary>
/// An index version loaded for search: every vector in one contiguous array and its chunk beside it. Search is exact:
/// the dot product (= cosine, vectors being unit length) with every vector that passes the filter, keeping the top k.
/// </summary>
public sealed class VectorIndex
{
    public VectorIndex(EmbeddingIndexManifest manifest, float[] vectors, IReadOnlyList<IndexedChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(chunks);
        if (vectors.Length != chunks.Count * manifest.Dimensions)
        {
            throw new ArgumentException($"{vectors.Length} floats for {chunks.Count} chunks of {manifest.Dimensions} dimensions.", nameof(vectors));
        }

        Manifest = manifest;
        Vectors = vectors;
        Chunks = chunks;
    }

    public EmbeddingIndexManifest Manifest { get; }

    public float[] Vectors { get; }

    public IReadOnlyList<IndexedChunk> Chunks { get; }

    public int Count => Chunks.Count;

    /// <summary>The <paramref name="k"/> chunks most similar to <paramref name="query"/> (best first) among those <paramref name="filter"/> keeps.</summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, Func<IndexedChunk, bool>? filter = null)
    {
        var dimensions = Manifest.Dimensions;
        if (query.Length != dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions; {Manifest.Id} has {dimensions}.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var queryArray = query.ToArray();
        var partitions = Count >= 50_000 ? Environment.ProcessorCount : 1;
        var partial = new List<(float Score, int Index)>[partitions];
        Parallel.For(0, partitions, p =>
        {
            var start = (int)((long)Count * p / partitions);
            var end = (int)((long)Count * (p + 1) / partitions);
            var top = new PriorityQueue<int, float>(k + 1);
            var vectors = Vectors.AsSpan();
            for (var i = start; i < end; i++)
            {
                if (filter is not null && !filter(Chunks[i]))
                {
                    continue;
                }

                var score = TensorPrimitives.Dot(queryArray, vectors.Slice(i * dimensions, dimensions));
                if (top.Count < k)
                {
                    top.Enqueue(i, score);
                }
                else if (top.TryPeek(out _, out var worst) && score > worst)
                {
                    top.DequeueEnqueue(i, score);
                }
            }

            var list = new List<(float, int)>(top.Count);
            while (top.TryDequeue(out var index, out var score))
            {
                list.Add((score, index));
            }

            partial[p] = list;
        });

        return [.. partial.SelectMany(p => p)
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Index)
            .Take(k)
            .Select(h => new SearchHit(h.Score, Chunks[h.Index]))];
    }
}
