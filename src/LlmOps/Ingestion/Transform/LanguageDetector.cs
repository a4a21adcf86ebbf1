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

    public static string Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scores = StopWords.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        var words = 0;
        foreach (var word in text.ToLowerInvariant().Split([' ', '\n', '\t', ',', '.', '!', '?', ';', ':', '(', ')', '"', '\''], StringSplitOptions.RemoveEmptyEntries))
        {
            if (++words > 400)
            {
                break;
            }

            foreach (var (language, stops) in StopWords)
            {
                if (stops.Contains(word))
                {
                    scores[language]++;
                }
            }
        }

        var best = scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).First();
        return best.Value >= 2 && best.Value * 10 >= words ? best.Key : "und";
    }
}
