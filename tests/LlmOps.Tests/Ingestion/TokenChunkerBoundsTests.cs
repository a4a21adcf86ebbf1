using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Ingestion.Transform;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Ingestion;

/// <summary>
/// Token bounds on texts the chunker was not written against (<c>ChunkSets/generate.py</c>: twelve scripts, emoji
/// sequences, URLs, long identifiers, base64, digit and punctuation runs, odd whitespace, long real documents): no
/// chunk passes max_tokens as cl100k counts the chunk's own text, every stored chunk count is that count, and a
/// record's count is the tokenizer's count of its whole text (within a token or two per cut only for runs of over
/// a thousand characters without a piece boundary).
/// </summary>
public sealed partial class TokenChunkerBoundsTests
{
    private static readonly string[] Texts = File.ReadLines(RepositoryRoot.Combine("tests", "LlmOps.Tests", "Ingestion", "ChunkSets", "chunk-texts.jsonl"))
        .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
        .ToArray();

    [Theory]
    [InlineData("cl100k_base", 256, 32)]
    [InlineData("cl100k_base", 64, 8)]
    [InlineData("o200k_base", 128, 16)]
    public void IndependentTexts_ChunksNeverPassMaxTokens_CountsAreExact(string encoding, int maxTokens, int overlap)
    {
        var chunker = new TokenChunker(encoding, maxTokens, overlap);
        var tokenizer = TokenChunker.ForEncoding(encoding);
        var failures = new List<string>();
        var chunkCount = 0;
        var approximate = 0;
        Assert.True(Texts.Length >= 700, "run ChunkSets/generate.py");
        for (var i = 0; i < Texts.Length; i++)
        {
            var text = Texts[i];
            var chunks = chunker.Chunk($"t:{i}", text, out var total);
            var whole = tokenizer.CountTokens(text);
            // Exact, but for runs of over MaxRunChars characters with no piece boundary (a thousand CJK characters or
            // emoji without punctuation), which are cut where the limit falls: there a cut may shift a token or two.
            var unbrokenRuns = UnbrokenRun().Count(text);
            if (unbrokenRuns == 0 ? total != whole : Math.Abs(total - whole) > 2 * (text.Length / TokenChunker.MaxRunChars))
            {
                failures.Add($"text {i}: stored {total} tokens, the tokenizer counts {whole}");
            }

            approximate += unbrokenRuns > 0 && total != whole ? 1 : 0;

            foreach (var chunk in chunks)
            {
                chunkCount++;
                var own = tokenizer.CountTokens(chunk.Text);
                if (own > maxTokens || own != chunk.TokenCount)
                {
                    failures.Add($"text {i} chunk {chunk.Index}: own count {own}, stored {chunk.TokenCount}, max {maxTokens}");
                }

                Assert.Equal(text[chunk.StartChar..chunk.EndChar], chunk.Text);
            }

            Assert.Equal(0, chunks[0].StartChar);
            Assert.Equal(text.Length, chunks[^1].EndChar);
            Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.Second.StartChar <= pair.First.EndChar, "chunks leave no gap"));
        }

        Assert.True(chunkCount > Texts.Length, "long texts were cut into several chunks");
        Assert.True(failures.Count == 0, $"{failures.Count} failures: {string.Join(" | ", failures.Take(10))}");
        Assert.True(approximate <= Texts.Length / 20, $"{approximate} texts with long unbroken runs counted approximately");
    }

    /// <summary>
    /// Token spans come from ids and each id's byte length, not from EncodeToTokens: on every independent text (twelve
    /// scripts, emoji sequences, combining marks), special tokens and lone surrogates they must be the tokenizer's
    /// own offsets, and the byte lengths must cover each segment (else the chunker falls back to EncodeToTokens).
    /// </summary>
    [Theory]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    public void TokenSpansFromByteLengths_AreTheTokenizersOffsets(string encoding)
    {
        var chunker = new TokenChunker(encoding, 256, 32);
        var tokenizer = TokenChunker.ForEncoding(encoding);
        string[] tricky = ["a <|endoftext|> b", "lone \ud800 high and low \udc00 surrogates", "👩‍👩‍👧‍👦 family, 🇯🇵 flag, e\u0301 mark", "日本語のテキストと한국어 텍스트"];
        var mismatches = 0;
        foreach (var text in Texts.Concat(tricky.Select(t => Regex.Unescape(t))))
        {
            foreach (var (from, to) in TokenChunker.Segments(text))
            {
                var segment = text.AsSpan(from, to - from);
                var spans = new List<(int Start, int End)>();
                Assert.True(chunker.AddSpans(segment, from, tokenizer.EncodeToIds(segment), spans), $"byte lengths do not cover: {text[from..Math.Min(to, from + 80)]}");
                var length = segment.Length;
                var expected = tokenizer.EncodeToTokens(segment, out _).Select(t => (from + t.Offset.Start.GetOffset(length), from + t.Offset.End.GetOffset(length)));
                mismatches += spans.SequenceEqual(expected) ? 0 : 1;
            }
        }

        Assert.Equal(0, mismatches);
    }

    [GeneratedRegex(@"\S{1025,}", RegexOptions.CultureInvariant)]
    private static partial Regex UnbrokenRun();

    [Fact]
    public void Segments_CutOnlyWhereThePreTokenizerCuts_CountMatchesWholeText()
    {
        var tokenizer = TokenChunker.ForEncoding("cl100k_base");
        var text = string.Concat(Enumerable.Repeat("word, next 1234567 ", 3000)) + string.Concat(Enumerable.Repeat("a/b.c_", 1000)) + new string('7', 5000);
        var segments = TokenChunker.Segments(text).ToList();
        Assert.True(segments.Count > 3);
        Assert.All(segments.Zip(segments.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
        Assert.Equal(tokenizer.CountTokens(text), new TokenChunker("cl100k_base", 256, 0).CountTokens(text));
    }
}
