namespace LlmOps.Ingestion.Transform;

/// <summary>
/// A small stop-word detector for the languages support text usually comes in (en, de, fr, es, it, nl, pt).
/// It answers "und" (undetermined) when too few stop words are seen; it is a signal for drift and routing, not a
/// linguistic tool.
/// </summary>
public static class LanguageDetector
{
    private static readonly Dictionary<string, HashSet<string>> StopWords = new(StringComparer.Ordinal)
    {
        ["en"] = ["the", "and", "is", "to", "of", "it", "you", "that", "in", "for", "not", "with", "my", "this", "have", "please", "but", "was", "are", "we"],
        ["de"] = ["der", "die", "und", "ist", "nicht", "das", "ich", "zu", "mit", "den", "ein", "eine", "sie", "es", "auf", "für", "bitte", "wir", "haben", "kann"],
        ["fr"] = ["le", "la", "et", "est", "les", "des", "je", "pas", "une", "un", "pour", "que", "dans", "vous", "nous", "avec", "sur", "mon", "merci", "il"],
        ["es"] = ["el", "la", "y", "es", "los", "las", "que", "de", "no", "una", "un", "para", "con", "por", "mi", "se", "gracias", "del", "pero", "lo"],
        ["it"] = ["il", "la", "e", "è", "che", "di", "non", "una", "un", "per", "con", "sono", "mi", "gli", "del", "ho", "grazie", "della", "ma", "lo"],
        ["nl"] = ["de", "het", "en", "is", "een", "niet", "van", "ik", "te", "dat", "met", "voor", "op", "je", "we", "zijn", "mijn", "bedankt", "maar", "ook"],
        ["pt"] = ["o", "a", "e", "é", "os", "as", "que", "de", "não", "uma", "um", "para", "com", "por", "meu", "se", "obrigado", "do", "mas", "da"],
    };

    // The first words decide: more rarely changes the answer and costs time on long records.
    private const int MaxWords = 64;

    // Every stop word, with the languages (by index) it belongs to: one lookup per word.
    private static readonly string[] Languages = [.. StopWords.Keys.Order(StringComparer.Ordinal)];

    private static readonly Dictionary<string, int> LanguageMasks = BuildMasks();

    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> MaskLookup = LanguageMasks.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<int> scores = stackalloc int[Languages.Length];
        Span<char> lower = stackalloc char[32];
        var words = 0;
        var span = text.AsSpan();
        var position = 0;
        while (position < span.Length && words < MaxWords)
        {
            while (position < span.Length && !char.IsLetter(span[position]))
            {
                position++;
            }

            var start = position;
            while (position < span.Length && char.IsLetter(span[position]))
            {
                position++;
            }

            var word = span[start..position];
            if (word.IsEmpty)
            {
                break;
            }

            words++;
            if (word.Length <= lower.Length)
            {
                var length = word.ToLowerInvariant(lower);
                if (MaskLookup.TryGetValue(lower[..length], out var mask))
                {
                    for (var i = 0; i < Languages.Length; i++)
                    {
                        if ((mask & (1 << i)) != 0)
                        {
                            scores[i]++;
                        }
                    }
                }
            }
        }

        var best = 0;
        for (var i = 1; i < Languages.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return scores[best] >= 2 && scores[best] * 10 >= words ? Languages[best] : "und";
    }

    private static Dictionary<string, int> BuildMasks()
    {
        var masks = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Languages.Length; i++)
        {
            foreach (var word in StopWords[Languages[i]])
            {
                masks[word] = masks.GetValueOrDefault(word) | (1 << i);
            }
        }

        return masks;
    }
}
