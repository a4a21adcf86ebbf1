using System.Collections.Concurrent;
using System.Globalization;
using LlmOps.Errors;
using LlmOps.Ingestion.Processing;
using Microsoft.ML.Tokenizers;
using LlmOps.Datasets;

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

    /// <summary>Each encoding's tokenizer instances: 0 is the shared one, the others serve chunkers that run side by side.</summary>
    private static readonly ConcurrentDictionary<(string Encoding, int Instance), TiktokenTokenizer> Tokenizers = new();

    /// <summary>Per encoding, the UTF-8 length of every token id (special tokens included), 0 for an unused id.</summary>
    private static readonly ConcurrentDictionary<string, int[]> TokenLengths = new(StringComparer.Ordinal);

    private readonly TiktokenTokenizer _tokenizer;
    private readonly int[] _tokenBytes;
    private readonly int _maxTokens;
    private readonly int _overlap;

    /// <param name="instance">Which instance of the encoding's tokenizer to use: chunkers that run at the same time
    /// each take their own (the tokenizer's cache takes a lock on every piece, and they would wait on each other).</param>
    public TokenChunker(string encoding, int maxTokens, int overlap, int instance = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlap, maxTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(instance);
        _tokenizer = Tiktoken(encoding, instance);
        _tokenBytes = TokenLengths.GetOrAdd(encoding, name => ByteLengths(name, _tokenizer));
        _maxTokens = maxTokens;
        _overlap = overlap;
    }

    public static Tokenizer ForEncoding(string encoding) => Tiktoken(encoding, 0);

    private static TiktokenTokenizer Tiktoken(string encoding, int instance) =>
        Tokenizers.GetOrAdd((encoding, instance), key => key.Encoding switch
        {
            "cl100k_base" or "o200k_base" => TiktokenTokenizer.CreateForEncoding(key.Encoding),
            _ => throw LlmOpsException.Invalid($"Unknown tokenizer encoding '{key.Encoding}': expected cl100k_base or o200k_base."),
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
    public IReadOnlyList<TextChunk> Chunk(string recordKey, string text, out int totalTokens) =>
        [.. Spans(recordKey, text, out totalTokens).Select(c => new TextChunk(c.Id, c.Index, text[c.StartChar..c.EndChar], c.TokenCount, c.StartChar, c.EndChar))];

    /// <summary>The chunks of <paramref name="text"/> as spans, without copying their text (the ETL stores the text once, on the record).</summary>
    public IReadOnlyList<ChunkSpan> Spans(string recordKey, string text, out int totalTokens)
    {
        ArgumentNullException.ThrowIfNull(recordKey);
        ArgumentNullException.ThrowIfNull(text);
        totalTokens = 0;
        if (text.Length == 0)
        {
            return [];
        }

        // A short text most likely fits one chunk, and a count is cheaper than ids with spans. The count stops after
        // maxTokens tokens (GetIndexByTokenCount), so a text that turns out longer has cost at most one chunk's worth
        // before it is encoded. It is tried only on text that fits at three characters per token: on real text
        // (source code, changelogs) longer records mostly need several chunks, and the count would be wasted.
        if (text.Length <= _maxTokens * 3 && Segments(text).Take(2).Count() == 1)
        {
            var fits = _tokenizer.GetIndexByTokenCount(text, _maxTokens, out _, out var counted);
            if (fits >= text.Length)
            {
                totalTokens = counted;
                return [new ChunkSpan(ChunkId(recordKey, 0), 0, totalTokens, 0, text.Length)];
            }
        }

        var tokens = TokenSpans(text);
        totalTokens = tokens.Count;
        if (tokens.Count <= _maxTokens)
        {
            return [new ChunkSpan(ChunkId(recordKey, 0), 0, totalTokens, 0, text.Length)];
        }

        var chunks = new List<ChunkSpan>();
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
            chunks.Add(new ChunkSpan(ChunkId(recordKey, chunks.Count), chunks.Count, count, from, to));
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

    /// <summary>
    /// Every token's character span. The ids come from <c>EncodeToIds</c> and the spans from the byte length of each
    /// id, walked along the text's UTF-8 form: <c>EncodeToTokens</c> gives the same spans but builds a string per token,
    /// which cost about a fifth more than a count on real text. A token that ends inside a character (one of an emoji's
    /// bytes, say) spans that whole character, as does the next one, which starts inside it.
    /// </summary>
    private List<(int Start, int End)> TokenSpans(string text)
    {
        var spans = new List<(int Start, int End)>();
        foreach (var (from, to) in Segments(text))
        {
            var segment = text.AsSpan(from, to - from);
            var ids = _tokenizer.EncodeToIds(segment);
            var before = spans.Count;
            if (!AddSpans(segment, from, ids, spans))
            {
                // Not expected (an id without a length, or lengths that do not add up to the text): take the
                // tokenizer's own offsets for this segment.
                spans.RemoveRange(before, spans.Count - before);
                foreach (var token in _tokenizer.EncodeToTokens(segment, out _))
                {
                    spans.Add((from + token.Offset.Start.GetOffset(segment.Length), from + token.Offset.End.GetOffset(segment.Length)));
                }
            }
        }

        return spans;
    }

    /// <summary>Adds the spans of <paramref name="ids"/> over <paramref name="segment"/>; false if their byte lengths do not cover it exactly.</summary>
    internal bool AddSpans(ReadOnlySpan<char> segment, int offset, IReadOnlyList<int> ids, List<(int Start, int End)> spans)
    {
        if (System.Text.Ascii.IsValid(segment))
        {
            var position = 0;
            foreach (var id in ids)
            {
                var length = ByteLength(id);
                if (length == 0 || position + length > segment.Length)
                {
                    return false;
                }

                spans.Add((offset + position, offset + position + length));
                position += length;
            }

            return position == segment.Length;
        }

        var at = 0; // the character being consumed
        var consumed = 0; // its bytes already in earlier tokens
        var (charBytes, charLength) = CharAt(segment, at);
        foreach (var id in ids)
        {
            var remaining = ByteLength(id);
            if (remaining == 0)
            {
                return false;
            }

            var start = at;
            while (remaining > 0)
            {
                if (at >= segment.Length)
                {
                    return false;
                }

                var left = charBytes - consumed;
                if (remaining < left)
                {
                    consumed += remaining;
                    break;
                }

                remaining -= left;
                consumed = 0;
                at += charLength;
                (charBytes, charLength) = CharAt(segment, at);
            }

            spans.Add((offset + start, offset + (consumed > 0 ? at + charLength : at)));
        }

        return at == segment.Length && consumed == 0;
    }

    /// <summary>The UTF-8 length of token <paramref name="id"/>, 0 if the table does not know it.</summary>
    private int ByteLength(int id) => (uint)id < (uint)_tokenBytes.Length ? _tokenBytes[id] : 0;

    /// <summary>The UTF-8 length and UTF-16 length of the character at <paramref name="at"/> (a lone surrogate encodes as U+FFFD).</summary>
    private static (int Bytes, int Length) CharAt(ReadOnlySpan<char> text, int at)
    {
        if (at >= text.Length)
        {
            return (0, 0);
        }

        System.Text.Rune.DecodeFromUtf16(text[at..], out var rune, out var length);
        return (rune.Utf8SequenceLength, length);
    }

    /// <summary>
    /// The byte length of every id, read from the vocabulary file the encoding's data package embeds (a token's bytes
    /// in base64 per line; the tokenizer does not expose its byte table). Without that file the table is
    /// empty, and every segment takes the tokenizer's own offsets.
    /// </summary>
    private static int[] ByteLengths(string encoding, TiktokenTokenizer tokenizer)
    {
        var package = encoding == "cl100k_base" ? "Microsoft.ML.Tokenizers.Data.Cl100kBase" : "Microsoft.ML.Tokenizers.Data.O200kBase";
        var lengths = new List<int>(200_000);
        using (var resource = System.Reflection.Assembly.Load(package).GetManifestResourceStream($"{encoding}.tiktoken.deflate"))
        {
            if (resource is null)
            {
                return [];
            }

            using var reader = new StreamReader(new System.IO.Compression.DeflateStream(resource, System.IO.Compression.CompressionMode.Decompress));
            var next = 0;
            while (reader.ReadLine() is { Length: > 0 } line)
            {
                if (line.StartsWith("Capacity:", StringComparison.Ordinal))
                {
                    continue; // the data packages' header
                }

                // "bytes rank" as tiktoken writes it, or the bytes alone in rank order as the data packages do.
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                var rank = space < 0 ? next : int.Parse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture);
                next = rank + 1;
                var base64 = space < 0 ? line.AsSpan() : line.AsSpan(0, space);
                Set(rank, (base64.Length / 4 * 3) - base64[^2..].Count('='));
            }
        }

        foreach (var (special, id) in tokenizer.SpecialTokens ?? new Dictionary<string, int>())
        {
            Set(id, System.Text.Encoding.UTF8.GetByteCount(special));
        }

        return [.. lengths];

        void Set(int id, int length)
        {
            while (lengths.Count <= id)
            {
                lengths.Add(0);
            }

            lengths[id] = length;
        }
    }

    private static string ChunkId(string recordKey, int index) => $"{recordKey}#{index:0000}";
}
