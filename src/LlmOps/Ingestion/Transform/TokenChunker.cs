using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Cuts text into chunks of at most <c>maxTokens</c> tokens (Microsoft.ML.Tokenizers, cl100k_base by default),
/// each overlapping the previous by <c>overlap</c> tokens. Chunks are slices of the original text at token
/// boundaries, and their ids derive from the record key and position, so the same input always gives the same ids.
/// Text is tokenized in segments (see <see cref="Segments"/>): BPE on one huge unbroken run (a 50 MB line of one
/// character) is quadratic, and bounded segments keep it linear.
/// </summary>
public sealed class TokenChunker
{
    public const int SegmentChars = 4096;

    public const int MaxRunChars = 128;

    private static readonly ConcurrentDictionary<string, Tokenizer> Tokenizers = new(StringComparer.Ordinal);

    private readonly Tokenizer _tokenizer;
    private readonly int _maxTokens;
    private readonly int _overlap;

    public TokenChunker(string encoding, int maxTokens, int overlap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlap, maxTokens);
        _tokenizer = ForEncoding(encoding);
        _maxTokens = maxTokens;
        _overlap = overlap;
    }

    public static Tokenizer ForEncoding(string encoding) =>
        Tokenizers.GetOrAdd(encoding, name => name switch
        {
            "cl100k_base" or "o200k_base" => TiktokenTokenizer.CreateForEncoding(name),
            _ => throw new ArgumentException($"Unknown tokenizer encoding '{name}': expected cl100k_base or o200k_base.", nameof(encoding)),
        });

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var (from, to) in Segments(text))
        {
            count += _tokenizer.CountTokens(text.AsSpan(from, to - from));
        }

        return count;
    }

    public IReadOnlyList<TextChunk> Chunk(string recordKey, string text) => Chunk(recordKey, text, out _);

    /// <summary>Chunks <paramref name="text"/> and reports its total token count (tokenizing once).</summary>
    public IReadOnlyList<TextChunk> Chunk(string recordKey, string text, out int totalTokens)
    {
        ArgumentNullException.ThrowIfNull(recordKey);
        ArgumentNullException.ThrowIfNull(text);
        totalTokens = 0;
        if (text.Length == 0)
        {
            return [];
        }

        // Most records fit one chunk: counting is much cheaper than encoding with offsets.
        totalTokens = CountTokens(text);
        if (totalTokens <= _maxTokens)
        {
            return [new TextChunk(ChunkId(recordKey, 0), 0, text, totalTokens, 0, text.Length)];
        }

        var tokens = TokenSpans(text);

        var chunks = new List<TextChunk>();
        var step = _maxTokens - _overlap;
        for (var start = 0; start < tokens.Count; start += step)
        {
            var end = Math.Min(start + _maxTokens, tokens.Count);
            var from = tokens[start].Start;
            var to = tokens[end - 1].End;
            chunks.Add(new TextChunk(ChunkId(recordKey, chunks.Count), chunks.Count, text[from..to], end - start, from, to));
            if (end == tokens.Count)
            {
                break;
            }
        }

        return chunks;
    }

    /// <summary>
    /// Cuts text into segments: after whitespace once a segment reaches <see cref="SegmentChars"/>, and inside any
    /// run of <see cref="MaxRunChars"/> characters without whitespace, so no piece the BPE sees is long.
    /// </summary>
    internal static IEnumerable<(int From, int To)> Segments(string text)
    {
        var from = 0;
        var run = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                run = 0;
                if (i + 1 - from >= SegmentChars)
                {
                    yield return (from, i + 1);
                    from = i + 1;
                }
            }
            else if (++run >= MaxRunChars && !char.IsHighSurrogate(text[i]))
            {
                yield return (from, i + 1);
                from = i + 1;
                run = 0;
            }
        }

        if (from < text.Length)
        {
            yield return (from, text.Length);
        }
    }

    private List<(int Start, int End)> TokenSpans(string text)
    {
        var spans = new List<(int Start, int End)>();
        foreach (var (from, to) in Segments(text))
        {
            foreach (var token in _tokenizer.EncodeToTokens(text.AsSpan(from, to - from), out _))
            {
                var length = to - from;
                spans.Add((from + token.Offset.Start.GetOffset(length), from + token.Offset.End.GetOffset(length)));
            }
        }

        return spans;
    }

    private static string ChunkId(string recordKey, int index) => $"{recordKey}#{index:0000}";
}
