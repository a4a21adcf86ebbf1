using System.Text.RegularExpressions;
using PhoneNumbers;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Finds telephone numbers with Google's libphonenumber (libphonenumber-csharp), whose matcher already passes over
/// dates, times and other number-like text. International numbers (+CC, of a length the country's plan allows) and
/// North American numbers (area and exchange codes 2-9, not N11) in their usual groupings count anywhere; bare
/// digit runs and other countries' national numbers (trunk prefix 0, valid in that country's plan) only after a
/// phone word such as "call", "tel" or "mobile", since order numbers and other ids take those shapes too.
/// </summary>
internal static partial class PhoneNumberDetector
{
    private static readonly PhoneNumberUtil Numbers = PhoneNumberUtil.GetInstance();

    /// <summary>Regions whose national numbers (trunk prefix 0) are looked for after a phone word.</summary>
    private static readonly string[] NationalRegions = ["GB", "DE", "FR", "NL", "IT", "ES", "IE", "AT", "CH", "BE", "AU", "IN"];

    /// <summary>Characters of context kept on each side of a candidate run for the library's matcher (then widened to whitespace).</summary>
    private const int Margin = 32;

    public static List<(int Start, int Length)> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = new List<(int Start, int Length)>();
        // The library's matcher is thorough and slow, and most of a text is nowhere near a number: it runs only on
        // windows around the runs a number could be (merged where they touch), each cut at whitespace.
        var (windows, national) = Windows(text);
        if (windows.Count == 0)
        {
            return spans;
        }

        foreach (var (start, end) in windows)
        {
            // Only around what could be a number the checks below accept: a '+' before seven digits, or a North American
            // grouping (a looser, unanchored form of NorthAmericanGrouping, so nothing it accepts is missed). A window
            // can be long (a table of figures, a hex dump), and the matcher would try every number in it.
            foreach (var (from, to) in Around(text, Acceptable(), start, end))
            {
                foreach (var match in Numbers.FindNumbers(text.Substring(from, to - from), "US", PhoneNumberUtil.Leniency.POSSIBLE, long.MaxValue))
                {
                    // "+CC ..." is structure enough when its length fits the country; a national number must also
                    // follow the North American plan and its groupings.
                    var raw = match.RawString;
                    var international = raw.StartsWith('+');
                    if (!international && !(NorthAmericanGrouping().IsMatch(raw) && NorthAmericanNumber().IsMatch(Numbers.GetNationalSignificantNumber(match.Number))))
                    {
                        continue;
                    }

                    if (!international && raw.All(char.IsAsciiDigit) && !PiiContext.HasWordBefore(text, from + match.Start, PhoneWords()))
                    {
                        continue;
                    }

                    spans.Add((from + match.Start, match.Length));
                }
            }

            // A French national number in its own pair grouping (01 23 45 67 89, with spaces, dots or dashes, five
            // pairs exactly, standing alone) is shape enough without a phone word: ranges the plan has not allocated yet
            // are still someone's number once allocated, and a typo in one is still personal data.
            foreach (var match in FrenchGrouping().EnumerateMatches(text.AsSpan(start, end - start)))
            {
                spans.Add((start + match.Index, match.Length));
            }

            // Other countries' national numbers are looked for (once per region, which is slow) only when a candidate
            // starts with a trunk 0 right after a phone word.
            if (national)
            {
                var window = text[start..end];
                foreach (var region in NationalRegions)
                {
                    foreach (var match in Numbers.FindNumbers(window, region, PhoneNumberUtil.Leniency.VALID, long.MaxValue))
                    {
                        if (match.RawString.TrimStart('(').StartsWith('0') && PiiContext.HasWordBefore(text, start + match.Start, PhoneWords()))
                        {
                            spans.Add((start + match.Start, match.Length));
                        }
                    }
                }
            }
        }

        return spans; // overlapping finds (a US and a national match of one number) are merged by the redactor
    }

    /// <summary>
    /// Each candidate run with <see cref="Margin"/> characters either side, widened to whitespace, merged where they
    /// overlap; and whether a candidate starts with a trunk 0 right after a phone word (a national number may be there).
    /// </summary>
    private static (List<(int From, int To)> Windows, bool National) Windows(string text)
    {
        var windows = new List<(int From, int To)>();
        var national = false;
        foreach (var candidate in Candidate().EnumerateMatches(text))
        {
            national = national || (text[candidate.Index] == '0'
                && PiiContext.HasWordBefore(text, candidate.Index > 0 && text[candidate.Index - 1] == '(' ? candidate.Index - 1 : candidate.Index, PhoneWords()));
            AddWindow(text, windows, candidate.Index, candidate.Index + candidate.Length, 0, text.Length);
        }

        return (windows, national);
    }

    /// <summary>Windows around each match of <paramref name="pattern"/> in [<paramref name="lower"/>, <paramref name="upper"/>), as <see cref="Windows"/> makes them.</summary>
    private static List<(int From, int To)> Around(string text, Regex pattern, int lower, int upper)
    {
        var windows = new List<(int From, int To)>();
        foreach (var match in pattern.EnumerateMatches(text.AsSpan(lower, upper - lower)))
        {
            AddWindow(text, windows, lower + match.Index, lower + match.Index + match.Length, lower, upper);
        }

        return windows;
    }

    /// <summary>Adds [<paramref name="from"/>, <paramref name="to"/>) with <see cref="Margin"/> either side, widened to whitespace within the bounds, merged with the last window where they overlap.</summary>
    private static void AddWindow(string text, List<(int From, int To)> windows, int from, int to, int lower, int upper)
    {
        var start = Math.Max(lower, from - Margin);
        while (start > lower && !char.IsWhiteSpace(text[start - 1]))
        {
            start--;
        }

        var end = Math.Min(upper, to + Margin);
        while (end < upper && !char.IsWhiteSpace(text[end]))
        {
            end++;
        }

        if (windows.Count > 0 && start <= windows[^1].To)
        {
            windows[^1] = (windows[^1].From, Math.Max(windows[^1].To, end));
        }
        else
        {
            windows.Add((start, end));
        }
    }

    /// <summary>Seven or more digits with at most two separators between any two: the least a phone number needs.</summary>
    [GeneratedRegex(@"\d(?:[ ().\-/]{0,2}\d){6}", RegexOptions.CultureInvariant)]
    private static partial Regex Candidate();

    /// <summary>
    /// What any number the US pass accepts contains: a '+' before seven digits (a number needs a candidate run of seven;
    /// "x + 1" in source code does not count), or a North American grouping whose area and exchange codes start with
    /// 2-9, ten digits standing alone included (not ten digits out of a longer run).
    /// </summary>
    [GeneratedRegex(@"\+\D{0,3}\d(?:\D{0,3}\d){6}|\([2-9]\d{2}\) ?[2-9]\d{2}[ .-]\d{4}|[2-9]\d{2}[ .-][2-9]\d{2}[ .-]\d{4}|(?<!\d)1?[2-9]\d{2}[2-9]\d{6}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Acceptable();

    /// <summary>(NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, NXX NXX XXXX, 1-NXX-NXX-XXXX, or ten or eleven bare digits.</summary>
    [GeneratedRegex(@"^(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}(?<s>[ .-]))\d{3}(?(s)\k<s>|[ .-])\d{4}$|^1?\d{10}$", RegexOptions.CultureInvariant)]
    private static partial Regex NorthAmericanGrouping();

    /// <summary>The North American Numbering Plan: area and exchange codes start with 2-9 and are not N11.</summary>
    [GeneratedRegex(@"^[2-9](?!11)\d{2}[2-9](?!11)\d{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex NorthAmericanNumber();

    /// <summary>
    /// 0X XX XX XX XX with one separator (space, dot or dash) used throughout, standing alone: not inside a longer run
    /// of pairs (a digit and a separator before, or a separator and a digit after), not part of an id joined to letters
    /// (AB-05-...) or a version, and not after a '+'.
    /// </summary>
    [GeneratedRegex(@"(?<![\w+./-])(?<!\d[ .-])(?<![A-Za-z][.-])0[1-9](?<s>[ .-])\d{2}(?:\k<s>\d{2}){3}(?![\w]|[ .-]\d)", RegexOptions.CultureInvariant)]
    private static partial Regex FrenchGrouping();

    [GeneratedRegex(@"\b(?:phone|phones|telephone|tel|mobile|mob|cell|cellphone|call|called|calling|fax|contact|reach|whatsapp|sms|text|dial|ring|hotline|helpline|landline|number|nr|no|numero|número|telefon|telefono|téléphone|handy|portable)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PhoneWords();
}
