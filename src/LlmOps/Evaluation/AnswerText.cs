using System.Globalization;
using System.Text;

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
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (char.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Control)
            {
                Flush();
            }

            // Punctuation is removed, not a separator: "don't" is "dont", "e-mail" is "email" (SQuAD's normalize_answer).
        }

        Flush();
        return tokens;

        void Flush()
        {
            if (current.Length > 0)
            {
                var token = current.ToString();
                if (token is not ("a" or "an" or "the"))
                {
                    tokens.Add(token);
                }

                current.Clear();
            }
        }
    }

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
            if (Tokens(sentence).Count > 0)
            {
                sentences.Add(sentence.Trim());
            }
        }
    }
}
