using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace LlmOps.Evaluation;

/// <summary>
/// Answer normalization as the SQuAD evaluation script does it (lower case, punctuation and the articles a, an, the
/// removed, whitespace collapsed), split into tokens, and sentence splitting for groundedness.
/// </summary>
public static class AnswerText
{
    /// <summary>The normalized tokens of <paramref name="text"/>.</summary>
    public static List<string> Tokens(string? text)
    {
        var tokens = new List<string>();
        Scan(text, tokens, null);
        return tokens;
    }

    /// <summary>
    /// Adds a 64-bit hash (XxHash3) of each normalized token of <paramref name="text"/> to <paramref name="hashes"/>,
    /// allocating no strings: a vocabulary to look words up in (<see cref="Hash"/>), or a sentence's words in order.
    /// </summary>
    public static void AddTokenHashes(string? text, ICollection<ulong> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        Scan(text, null, hashes);
    }

    /// <summary>The hash <see cref="AddTokenHashes"/> gives a normalized token.</summary>
    public static ulong Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return XxHash3.HashToUInt64(MemoryMarshal.AsBytes(token.AsSpan()));
    }

    private static void Scan(string? text, List<string>? tokens, ICollection<ulong>? hashes)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        // One pass, the token's characters gathered in a rented buffer and made a string once (graders run per example).
        var buffer = ArrayPool<char>.Shared.Rent(text.Length);
        try
        {
            var length = 0;
            foreach (var c in text)
            {
                if (char.IsAsciiLetterOrDigit(c))
                {
                    buffer[length++] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
                }
                else if (c > 0x7F && char.IsLetterOrDigit(c))
                {
                    buffer[length++] = char.ToLowerInvariant(c);
                }
                else if (c <= ' ' || (c > 0x7F && IsSeparator(c)))
                {
                    Flush(buffer, ref length, tokens, hashes);
                }

                // Punctuation is removed, not a separator: "don't" is "dont", "e-mail" is "email" (SQuAD's normalize_answer).
            }

            Flush(buffer, ref length, tokens, hashes);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool IsSeparator(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Control;

    private static void Flush(char[] buffer, ref int length, List<string>? tokens, ICollection<ulong>? hashes)
    {
        if (length == 0)
        {
            return;
        }

        var token = buffer.AsSpan(0, length);
        if (!token.SequenceEqual("a") && !token.SequenceEqual("an") && !token.SequenceEqual("the"))
        {
            tokens?.Add(new string(token));
            hashes?.Add(XxHash3.HashToUInt64(MemoryMarshal.AsBytes((ReadOnlySpan<char>)token)));
        }

        length = 0;
    }

    /// <summary>Characters that alone make no word: white space and ASCII punctuation.</summary>
    private static readonly SearchValues<char> NoWords = SearchValues.Create(" \t\r\n.,;:!?'\"()[]{}<>-_/\\*&^%$#@~`|+=");

    /// <summary>The normalized text: its tokens joined by single spaces.</summary>
    public static string Normalize(string? text) => string.Join(' ', Tokens(text));

    /// <summary>Sentences: split after '.', '!', '?' or a line break followed by white space; empty ones dropped.</summary>
    public static List<string> Sentences(string? text)
    {
        var sentences = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return sentences;
        }

        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var end = text[i] == '\n' || (text[i] is '.' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])));
            if (end)
            {
                Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        Add(text[start..]);
        return sentences;

        void Add(string sentence)
        {
            if (sentence.AsSpan().ContainsAnyExcept(NoWords))
            {
                sentences.Add(sentence.Trim());
            }
        }
    }
}
