using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Cuts text into chunks of at most <c>maxTokens</c> tokens (Microsoft.ML.Tokenizers, cl100k_base by default),
/// each overlapping the previous by <c>overlap</c> tokens. Chunks are slices of the original text at token
/// boundaries, and their ids derive from the record key and position, so the same input always gives the same ids.
/// </summary>
public sealed class TokenChunker
{
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

    public int CountTokens(string text) => _tokenizer.CountTokens(text);

    public IReadOnlyList<TextChunk> Chunk(string recordKey, string text)
    {
        ArgumentNullException.ThrowIfNull(recordKey);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        var tokens = _tokenizer.EncodeToTokens(text, out _);
        if (tokens.Count <= _maxTokens)
        {
            return [new TextChunk(ChunkId(recordKey, 0), 0, text, tokens.Count, 0, text.Length)];
        }

        var chunks = new List<TextChunk>();
        var step = _maxTokens - _overlap;
        for (var start = 0; start < tokens.Count; start += step)
        {
            var end = Math.Min(start + _maxTokens, tokens.Count);
            var from = tokens[start].Offset.Start.GetOffset(text.Length);
            var to = tokens[end - 1].Offset.End.GetOffset(text.Length);
            chunks.Add(new TextChunk(ChunkId(recordKey, chunks.Count), chunks.Count, text[from..to], end - start, from, to));
            if (end == tokens.Count)
            {
                break;
            }
        }

        return chunks;
    }

    private static string ChunkId(string recordKey, int index) => $"{recordKey}#{index:0000}";
}
