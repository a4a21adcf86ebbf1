using System.Text.RegularExpressions;

namespace LlmOps.Ingestion.Transform;

/// <summary>What stands just before a candidate: the words that make an ambiguous number personal data, or not.</summary>
internal static class PiiContext
{
    /// <summary>How far back a context word may stand, in characters.</summary>
    public const int Window = 40;

    /// <summary>A context word stands within <see cref="Window"/> characters before, with no digit between it and the candidate.</summary>
    /// <summary>The <see cref="Window"/> characters before <paramref name="start"/> (fewer at the start of the text).</summary>
    public static ReadOnlySpan<char> Before(string text, int start) => text.AsSpan(Math.Max(0, start - Window), Math.Min(start, Window));

    public static bool HasWordBefore(string text, int start, Regex words)
    {
        var before = Before(text, start);
        var lastWordEnd = -1;
        foreach (var match in words.EnumerateMatches(before))
        {
            lastWordEnd = match.Index + match.Length;
        }

        return lastWordEnd >= 0 && before[lastWordEnd..].IndexOfAnyInRange('0', '9') < 0;
    }

    /// <summary>Sorted, non-overlapping spans (the longer wins where two overlap).</summary>
    public static List<(int Start, int Length)> Merge(List<(int Start, int Length)> spans)
    {
        if (spans.Count < 2)
        {
            return spans;
        }

        spans.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        var merged = new List<(int Start, int Length)> { spans[0] };
        foreach (var span in spans.Skip(1))
        {
            var last = merged[^1];
            if (span.Start < last.Start + last.Length)
            {
                var end = Math.Max(last.Start + last.Length, span.Start + span.Length);
                merged[^1] = (last.Start, end - last.Start);
            }
            else
            {
                merged.Add(span);
            }
        }

        return merged;
    }
}
