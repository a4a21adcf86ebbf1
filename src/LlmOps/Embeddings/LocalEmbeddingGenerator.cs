using System.IO.Hashing;
using System.Runtime.InteropServices;
using LlmOps.Errors;
using Microsoft.Extensions.AI;
using LlmOps.Lifecycle;

namespace LlmOps.Embeddings;

/// <summary>
/// The offline default embedder. It is lexical, not semantic: each text becomes a signed-hashed bag of word unigrams,
/// word bigrams and character trigrams (within words), weighted by sublinear term frequency (1 + ln tf), and the
/// vector is L2-normalized, so cosine similarity measures shared wording. Deterministic: the same text gives the same
/// vector on every machine and run.
/// </summary>
public sealed class LocalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "local";
    public const string DefaultModel = EmbeddingSettings.LexicalModel;
    private const ulong WordSeed = 0x9E3779B97F4A7C15;
    private const ulong BigramSeed = 0xC2B2AE3D27D4EB4F;
    private const ulong TrigramSeed = 0x165667B19E3779F9;
    private const float TrigramWeight = 0.5f;

    [ThreadStatic]
    private static Dictionary<ulong, (int Count, float Weight)>? t_features;

    public LocalEmbeddingGenerator(int dimensions, string model = DefaultModel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 8);
        Dimensions = dimensions;
        Metadata = new EmbeddingGeneratorMetadata(ProviderName, null, model, dimensions);
    }

    public int Dimensions { get; }

    public EmbeddingGeneratorMetadata Metadata { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } asked && asked != Dimensions)
        {
            throw LlmOpsException.Invalid($"This local embedder makes {Dimensions}-dimensional vectors, not {asked}.");
        }

        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var vector = new float[Dimensions];
            Embed(value, vector);
            result.Add(new Embedding<float>(vector) { ModelId = Metadata.DefaultModelId, CreatedAt = null });
        }

        return Task.FromResult(result);
    }

    /// <summary>Writes the embedding of <paramref name="text"/> into <paramref name="vector"/> (its length is the dimension count).</summary>
    public static void Embed(ReadOnlySpan<char> text, Span<float> vector)
    {
        vector.Clear();
        var features = t_features ??= new Dictionary<ulong, (int, float)>();
        features.Clear();
        Span<char> word = stackalloc char[66];
        ulong previous = 0;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            // A word, lower-cased, framed by '<' and '>' for the trigrams; over-long tokens are cut at 64 chars.
            var length = 0;
            word[length++] = '<';
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                if (length < 65)
                {
                    word[length++] = char.ToLowerInvariant(text[i]);
                }

                i++;
            }

            if (length == 1)
            {
                break;
            }

            word[length++] = '>';
            var core = word[1..(length - 1)];
            var unigram = Hash(core, WordSeed);
            Add(features, unigram, 1f);
            if (previous != 0)
            {
                Add(features, Mix(previous, unigram) ^ BigramSeed, 1f);
            }

            previous = unigram;
            for (var t = 0; t + 3 <= length; t++)
            {
                Add(features, Hash(word.Slice(t, 3), TrigramSeed), TrigramWeight);
            }
        }

        var dimensions = (ulong)vector.Length;
        foreach (var (hash, (count, weight)) in features)
        {
            var value = weight * (1f + MathF.Log(count));
            vector[(int)(hash % dimensions)] += (hash >> 63) == 0 ? value : -value;
        }

        UnitVector.Normalize(vector);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => GeneratorServices.Get(this, Metadata, serviceType, serviceKey);

    public void Dispose()
    {
    }

    private static void Add(Dictionary<ulong, (int Count, float Weight)> features, ulong hash, float weight)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(features, hash, out _);
        slot = (slot.Count + 1, weight);
    }

    private static ulong Hash(ReadOnlySpan<char> chars, ulong seed) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(chars), (long)seed);

    private static ulong Mix(ulong a, ulong b) => (a * 0x9E3779B97F4A7C15) ^ (b + 0x7F4A7C159E3779B9 + (a << 6) + (a >> 2));
}
