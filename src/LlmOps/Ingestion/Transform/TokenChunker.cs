using System.Collections.Concurrent;
using System.Globalization;
using LlmOps.Errors;
using Microsoft.ML.Tokenizers;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Cuts text into chunks of at most <c>maxTokens</c> tokens (Microsoft.ML.Tokenizers, cl100k_base by default),
/// each overlapping the previous by <c>overlap</c> tokens. Chunks are slices of the original text at token
/// boundaries, and their ids derive from the record key and position, so the same input always gives the same ids.
/// Counts are exact: a record's count is the tokenizer's count of its whole text, and a chunk's is the count of its
/// own text, which never passes <c>maxTokens</c> (a slice can tokenize differently at its edges, so every chunk is
/// counted and shrunk where needed). Long text is tokenized in segments cut only where the tokenizer's pre-tokenizer
/// would cut anyway (see <see cref="Segments"/>), because BPE on one huge unbroken run is quadratic.
/// </summary>
public sealed class TokenChunker
{
    /// <summary>Segments reach about this size before a cut at a word boundary (bounds the token list in memory).</summary>
    public const int SegmentChars = 16384;

    /// <summary>
    /// A run without whitespace longer than this is cut at its last piece boundary (punctuation after a word, say), or
    /// where the limit falls if it has none: BPE cost grows with the square of a piece's length.
    /// </summary>
    public const int MaxRunChars = 1024;

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
            _ => throw LlmOpsException.Invalid($"Unknown tokenizer encoding '{name}': expected cl100k_base or o200k_base."),
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

    /// <summary>Chunks <paramref name="text"/> and reports its total token count.</summary>
    public IReadOnlyList<TextChunk> Chunk(string recordKey, string text, out int totalTokens)
    {
        ArgumentNullException.ThrowIfNull(recordKey);
        ArgumentNullException.ThrowIfNull(text);
        totalTokens = 0;
        if (text.Length == 0)
        {
            return [];
        }

        // Most records fit one chunk, and counting is much cheaper than encoding with offsets. The count stops after
        // maxTokens tokens (GetIndexByTokenCount), so a text that turns out longer than a chunk has cost at most one
        // chunk's worth before it is encoded, not a whole extra pass; a text far longer than a chunk is encoded
        // straight away. Either way a long text is tokenized once.
        if (text.Length <= _maxTokens * 8)
        {
            if (Segments(text).Take(2).Count() == 1)
            {
                var fits = _tokenizer.GetIndexByTokenCount(text, _maxTokens, out _, out var counted);
                if (fits >= text.Length)
                {
                    totalTokens = counted;
                    return [new TextChunk(ChunkId(recordKey, 0), 0, text, totalTokens, 0, text.Length)];
                }
            }
            else if ((totalTokens = CountTokens(text)) <= _maxTokens)
            {
                return [new TextChunk(ChunkId(recordKey, 0), 0, text, totalTokens, 0, text.Length)];
            }
        }

        var tokens = TokenSpans(text);
        totalTokens = tokens.Count;
        if (tokens.Count <= _maxTokens)
        {
            return [new TextChunk(ChunkId(recordKey, 0), 0, text, totalTokens, 0, text.Length)];
        }

        var chunks = new List<TextChunk>();
        var start = 0;
        while (true)
        {
            var end = Math.Min(start + _maxTokens, tokens.Count);
            end = BackToCharBoundary(tokens, start, end);
            if (end < tokens.Count)
            {
                // Ending where a piece starts keeps the chunk's own count equal to its token span (no second count).
                end = NearPieceStart(text, tokens, end, Math.Max(start + 1, end - PieceSearch), end);
            }

            var from = tokens[start].Start;
            var count = OwnCount(text, tokens, start, end);
            while (count > _maxTokens && end > start + 1)
            {
                end = BackToCharBoundary(tokens, start, end - 1);
                count = OwnCount(text, tokens, start, end);
            }

            var to = tokens[end - 1].End;
            chunks.Add(new TextChunk(ChunkId(recordKey, chunks.Count), chunks.Count, text[from..to], count, from, to));
            if (end == tokens.Count)
            {
                break;
            }

            var next = Math.Max(end - _overlap, start + 1);
            while (next < end && tokens[next].Start < tokens[next - 1].End)
            {
                next++; // not inside a character that several tokens share
            }

            // The next chunk starts where a piece starts too, within a few tokens of the overlap asked for.
            start = NearPieceStart(text, tokens, next, Math.Max(start + 1, next - (PieceSearch / 2)), Math.Min(end - 1, next + (PieceSearch / 2)));
        }

        return chunks;
    }

    /// <summary>How many tokens a chunk edge may move to fall where a piece starts.</summary>
    private const int PieceSearch = 16;

    /// <summary>
    /// The token index nearest <paramref name="at"/> within [<paramref name="lower"/>, <paramref name="upper"/>] whose
    /// start is a piece start not inside a shared character (ties go to the earlier), else <paramref name="at"/>.
    /// </summary>
    private static int NearPieceStart(string text, List<(int Start, int End)> tokens, int at, int lower, int upper)
    {
        for (var distance = 0; at - distance >= lower || at + distance <= upper; distance++)
        {
            if (IsCleanCut(at - distance))
            {
                return at - distance;
            }

            if (IsCleanCut(at + distance))
            {
                return at + distance;
            }
        }

        return at;

        bool IsCleanCut(int i) => i >= lower && i <= upper && i > 0 && i < tokens.Count && tokens[i].Start == tokens[i - 1].End && IsPieceStart(text, tokens[i].Start);
    }

    /// <summary>
    /// The token count of the chunk's own text. A slice that starts and ends where the pre-tokenizer starts a piece
    /// tokenizes as the whole text did there, so its count is its token span; any other slice is counted again.
    /// </summary>
    private int OwnCount(string text, List<(int Start, int End)> tokens, int start, int end)
    {
        var from = tokens[start].Start;
        var to = tokens[end - 1].End;
        if (IsPieceStart(text, from) && IsPieceStart(text, to) && (end == tokens.Count || tokens[end].Start == to))
        {
            return end - start;
        }

        var count = 0;
        var slice = text[from..to];
        foreach (var (a, b) in Segments(slice))
        {
            count += _tokenizer.CountTokens(slice.AsSpan(a, b - a));
        }

        return count;
    }

    /// <summary>Whether a piece starts at <paramref name="i"/> whatever the text around it (the cut points of <see cref="Segments"/>).</summary>
    private static bool IsPieceStart(string text, int i)
    {
        if (i <= 0 || i >= text.Length)
        {
            return true;
        }

        if (text[i] == ' ')
        {
            return !char.IsWhiteSpace(text[i - 1]) && i + 1 < text.Length && char.IsLetter(text[i + 1]);
        }

        if (char.IsWhiteSpace(text[i]) || char.IsWhiteSpace(text[i - 1]))
        {
            return false;
        }

        var digitsStart = -1;
        if (char.IsAsciiDigit(text[i]))
        {
            digitsStart = i;
            while (digitsStart > 0 && char.IsAsciiDigit(text[digitsStart - 1]) && i - digitsStart < 64)
            {
                digitsStart--;
            }

            if (i - digitsStart >= 64)
            {
                return false;
            }
        }

        return IsSafeCut(text, i, digitsStart);
    }

    /// <summary>Moves a chunk's end back so that it does not split a character that several tokens share (an emoji, say).</summary>
    private static int BackToCharBoundary(List<(int Start, int End)> tokens, int start, int end)
    {
        while (end < tokens.Count && end > start + 1 && tokens[end].Start < tokens[end - 1].End)
        {
            end--;
        }

        return end;
    }

    /// <summary>
    /// Cuts text into segments that tokenize exactly as the whole text does: at a space before a letter once a segment
    /// reaches <see cref="SegmentChars"/> (the pre-tokenizer starts a piece there), and in a run of more than
    /// <see cref="MaxRunChars"/> characters without whitespace at the last punctuation mark after a letter or digit,
    /// or after a multiple of three digits in a digit run. Only a run with no such place in its last
    /// <see cref="MaxRunChars"/> characters (over a thousand letters in a row) is cut where the limit falls, and only
    /// there can a count differ from the tokenizer's count of the same text in one piece.
    /// </summary>
    internal static IEnumerable<(int From, int To)> Segments(string text)
    {
        if (text.Length <= MaxRunChars)
        {
            yield return (0, text.Length); // most texts: nothing to cut
            yield break;
        }

        var from = 0;
        var runStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                runStart = i + 1;
                if (c == ' ' && i - from >= SegmentChars && i > 0 && !char.IsWhiteSpace(text[i - 1]) && i + 1 < text.Length && char.IsLetter(text[i + 1]))
                {
                    yield return (from, i);
                    from = i;
                }

                continue;
            }

            var lower = Math.Max(runStart, from);
            if (i + 1 - lower > MaxRunChars)
            {
                var cut = LastSafeCut(text, lower, i);
                if (char.IsLowSurrogate(text[cut]))
                {
                    cut--;
                }

                if (cut > from)
                {
                    yield return (from, cut);
                    from = cut;
                }
            }
        }

        if (from < text.Length)
        {
            yield return (from, text.Length);
        }
    }

    /// <summary>The last place in (<paramref name="lower"/>, <paramref name="upper"/>] where a piece starts, else <paramref name="upper"/>.</summary>
    private static int LastSafeCut(string text, int lower, int upper)
    {
        // Where the run ends in digits, the cut falls on a multiple of three from where the digits start.
        var digitsStart = upper + 1;
        while (digitsStart > lower && char.IsAsciiDigit(text[digitsStart - 1]))
        {
            digitsStart--;
        }

        for (var j = upper; j > lower; j--)
        {
            if (IsSafeCut(text, j, j >= digitsStart ? digitsStart : -1))
            {
                return j;
            }
        }

        return upper;
    }

    /// <summary>The pre-tokenizer starts a piece at <paramref name="i"/> whatever follows.</summary>
    private static bool IsSafeCut(string text, int i, int digitsStart)
    {
        var previous = text[i - 1];
        var c = text[i];
        // Digits are grouped in threes from the start of their run; punctuation after a word starts a piece.
        return digitsStart >= 0
            ? i > digitsStart && (i - digitsStart) % 3 == 0
            : char.IsLetterOrDigit(previous) && !char.IsLetterOrDigit(c) && !char.IsSurrogate(c) && c != '\'' && !IsMark(c);
    }

    /// <summary>A combining mark or variation selector belongs to the character before it (o200k keeps it in the word).</summary>
    private static bool IsMark(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

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
