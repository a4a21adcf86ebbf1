using System.Text;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Text and its NFKC-normalized view (fullwidth digits and '＠' become ASCII), with a map from each view character
/// back to the original characters it came from, so detection runs on the view and redaction edits the original.
/// Text that is already NFKC (all ASCII text is) has no map: the view is the text.
/// </summary>
internal sealed class NormalizedView
{
    private NormalizedView(string original, string view, int[]? from, int[]? to)
    {
        Original = original;
        View = view;
        _from = from;
        _to = to;
    }

    private readonly int[]? _from;
    private readonly int[]? _to;

    public string Original { get; }

    public string View { get; }

    public static NormalizedView Of(string text)
    {
        if (text.AsSpan().IndexOfAnyExceptInRange('\0', '\u007f') < 0 || text.IsNormalized(NormalizationForm.FormKC))
        {
            return new NormalizedView(text, text, null, null);
        }

        var view = new StringBuilder(text.Length);
        var from = new List<int>(text.Length);
        var to = new List<int>(text.Length);
        for (var i = 0; i < text.Length;)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var piece = text.Substring(i, width);
            if (piece[0] >= '\u0080' && !char.IsSurrogate(piece[0]) || width == 2)
            {
                try
                {
                    piece = piece.Normalize(NormalizationForm.FormKC);
                }
                catch (ArgumentException)
                {
                    // A lone surrogate cannot be normalized; it is kept as it is.
                }
            }

            foreach (var c in piece)
            {
                view.Append(c);
                from.Add(i);
                to.Add(i + width);
            }

            i += width;
        }

        return new NormalizedView(text, view.ToString(), [.. from], [.. to]);
    }

    /// <summary>Replaces the given view spans (sorted, not overlapping) with the placeholder in both texts.</summary>
    public NormalizedView Replace(IReadOnlyList<(int Start, int Length)> spans, string placeholder)
    {
        if (spans.Count == 0)
        {
            return this;
        }

        if (_from is null || _to is null)
        {
            var text = Splice(Original, spans, placeholder);
            return new NormalizedView(text, text, null, null);
        }

        var original = new StringBuilder(Original.Length);
        var view = new StringBuilder(View.Length);
        var from = new List<int>(View.Length);
        var to = new List<int>(View.Length);
        var viewAt = 0;
        var originalAt = 0;
        foreach (var (start, length) in spans)
        {
            var originalStart = _from[start];
            var originalEnd = _to[start + length - 1];
            var shift = original.Length - originalAt;
            original.Append(Original, originalAt, Math.Max(0, originalStart - originalAt));
            for (var i = viewAt; i < start; i++)
            {
                view.Append(View[i]);
                // A character that expands into several view characters may be cut by a span: clamp it to its segment.
                from.Add(Math.Min(_from[i], originalStart) + shift);
                to.Add(Math.Min(_to[i], originalStart) + shift);
            }

            foreach (var c in placeholder)
            {
                from.Add(original.Length);
                to.Add(original.Length + 1);
                original.Append(c);
                view.Append(c);
            }

            viewAt = start + length;
            originalAt = Math.Max(originalAt, originalEnd);
        }

        var tail = original.Length - originalAt;
        original.Append(Original, originalAt, Original.Length - originalAt);
        for (var i = viewAt; i < View.Length; i++)
        {
            view.Append(View[i]);
            from.Add(Math.Max(_from[i], originalAt) + tail);
            to.Add(Math.Max(_to[i], originalAt) + tail);
        }

        return new NormalizedView(original.ToString(), view.ToString(), [.. from], [.. to]);
    }

    private static string Splice(string text, IReadOnlyList<(int Start, int Length)> spans, string placeholder)
    {
        var builder = new StringBuilder(text.Length);
        var at = 0;
        foreach (var (start, length) in spans)
        {
            builder.Append(text, at, start - at).Append(placeholder);
            at = start + length;
        }

        return builder.Append(text, at, text.Length - at).ToString();
    }
}
