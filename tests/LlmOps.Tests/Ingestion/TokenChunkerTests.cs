using LlmOps.Ingestion.Transform;

namespace LlmOps.Tests.Ingestion;

public sealed class TokenChunkerTests
{
    private static readonly string Prose = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"word{i % 37} is number {i}."));

    [Fact]
    public void LongText_ChunksWithinLimit_OverlapAndStableIds()
    {
        var chunker = new TokenChunker("cl100k_base", maxTokens: 64, overlap: 16);
        var first = chunker.Chunk("tickets:T-1", Prose);
        var second = chunker.Chunk("tickets:T-1", Prose);

        Assert.True(first.Count > 3);
        Assert.All(first, c => Assert.InRange(c.TokenCount, 1, 64));
        Assert.Equal(first, second);
        Assert.Equal(["tickets:T-1#0000", "tickets:T-1#0001"], first.Take(2).Select(c => c.Id));
        for (var i = 1; i < first.Count; i++)
        {
            Assert.True(first[i].StartChar < first[i - 1].EndChar, "consecutive chunks overlap");
            Assert.Equal(Prose[first[i].StartChar..first[i].EndChar], first[i].Text);
        }

        Assert.Equal(Prose.Length, first[^1].EndChar);
    }

    [Fact]
    public void ShortText_OneChunk()
    {
        var chunk = Assert.Single(new TokenChunker("cl100k_base", 256, 32).Chunk("k", "Hello there."));
        Assert.Equal("Hello there.", chunk.Text);
        Assert.Equal(3, chunk.TokenCount);
    }

    [Fact]
    public void HugeRunWithoutSpaces_TokenizedInSegments()
    {
        var text = new string('x', 2_000_000);
        var chunker = new TokenChunker("cl100k_base", 8192, 0);
        var chunks = chunker.Chunk("k", text);
        Assert.Equal(text.Length, chunks.Sum(c => c.Text.Length));
        Assert.True(chunker.CountTokens(text) > 2_000_000 / 16);
    }

    [Fact]
    public void Segments_CoverTextExactly_RunsWithoutBoundariesCutAtMaxRunChars()
    {
        var segments = TokenChunker.Segments(Prose + new string('y', 20_000)).ToList();
        Assert.Equal(0, segments[0].From);
        Assert.Equal(Prose.Length + 20_000, segments[^1].To);
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
        Assert.All(segments.Where(s => s.From >= Prose.Length), s => Assert.InRange(s.To - s.From, 1, TokenChunker.MaxRunChars));
    }
}
