using System.Numerics.Tensors;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Embeddings;

public sealed class LocalEmbeddingGeneratorTests
{
    private static float[] Embed(string text, int dimensions = 384)
    {
        var vector = new float[dimensions];
        LocalEmbeddingGenerator.Embed(text, vector);
        return vector;
    }

    [Fact]
    public async Task SameText_SameUnitVector_EveryTime()
    {
        using var generator = new LocalEmbeddingGenerator(384);
        var embeddings = await generator.GenerateAsync(["Reset my password, the link expired.", "Reset my password, the link expired."]);
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
        Assert.Equal(1f, TensorPrimitives.Norm(embeddings[0].Vector.Span), 4);
        Assert.Equal("lexical-ngram", embeddings[0].ModelId);
        Assert.Equal(Embed("Reset my password, the link expired."), embeddings[0].Vector.ToArray());
    }

    [Fact]
    public void SharedWording_ScoresHigherThanUnrelatedText()
    {
        var query = Embed("refund for a double card charge");
        var related = Embed("My card was charged twice, please refund one charge.");
        var unrelated = Embed("The iOS app crashes when opening attachments.");
        Assert.True(TensorPrimitives.Dot(query, related) > TensorPrimitives.Dot(query, unrelated) + 0.1f);
        Assert.True(TensorPrimitives.Dot(Embed("passwords"), Embed("password")) > 0.3f, "character trigrams relate word forms");
        Assert.NotEqual(Embed("dog bites man"), Embed("man bites dog"));
    }

    [Fact]
    public async Task WrongDimensionsAsked_ClearError_EmptyText_ZeroVector()
    {
        using var generator = new LocalEmbeddingGenerator(64);
        await ExpectError.ThrowsAsync(ErrorCode.Invalid, () => generator.GenerateAsync(["x"], new() { Dimensions = 128 }));
        Assert.All(Embed("  ...  ", 64), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void VectorShard_RoundTrips_AndRejectsDamage()
    {
        var vectors = Enumerable.Range(0, 3 * 16).Select(i => i / 7f).ToArray();
        var bytes = VectorShardFormat.Write("local", "lexical-ngram", 16, vectors);
        var (provider, model, dimensions, read) = VectorShardFormat.Read(bytes);
        Assert.Equal(("local", "lexical-ngram", 16), (provider, model, dimensions));
        Assert.Equal(vectors, read);
        Assert.Throws<FormatException>(() => VectorShardFormat.Read(bytes.AsSpan(0, bytes.Length - 4)));
        bytes[0] = (byte)'X';
        Assert.Throws<FormatException>(() => VectorShardFormat.Read(bytes));
    }

    [Fact]
    public void RetrievalMetrics_MatchHandComputedValues()
    {
        string[] ranked = ["a", "b", "c"];
        var relevant = new HashSet<string> { "b", "d" };
        Assert.Equal(0.5, RetrievalMetrics.RecallAtK(ranked, relevant, 3));
        Assert.Equal(0.5, RetrievalMetrics.ReciprocalRank(ranked, relevant, 3));
        Assert.Equal(1 / Math.Log2(3) / (1 + (1 / Math.Log2(3))), RetrievalMetrics.NdcgAtK(ranked, relevant, 3), 12);
        Assert.Equal(0, RetrievalMetrics.ReciprocalRank(ranked, relevant, 1));
        Assert.Equal(1, RetrievalMetrics.NdcgAtK(["b", "d", "x"], relevant, 3), 12);
    }
}
