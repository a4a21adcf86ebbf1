using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Cleans record text: HTML to text (tags dropped, block tags become line breaks, entities decoded), Unicode NFC,
/// control and format characters removed (tab and line breaks kept), runs of spaces collapsed, blank lines squeezed.
/// </summary>
public static partial class TextCleaner
{
    public static string Clean(string text, bool normalizeUnicode = true, bool stripHtml = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsAlreadyClean(text))
        {
            return text;
        }

        if (stripHtml && text.Contains('<', StringComparison.Ordinal))
        {
            text = ScriptOrStyle().Replace(text, " ");
            text = BlockTag().Replace(text, "\n");
            text = AnyTag().Replace(text, "");
        }

        if (stripHtml && text.Contains('&', StringComparison.Ordinal))
        {
            text = WebUtility.HtmlDecode(text);
        }

        if (normalizeUnicode && !text.IsNormalized(NormalizationForm.FormC))
        {
            text = text.Normalize(NormalizationForm.FormC);
        }

        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        var newlines = 0;
        foreach (var c in text)
        {
            if (c is '\n' or '\r')
            {
                if (c == '\n')
                {
                    newlines++;
                }

                pendingSpace = false;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (char.IsControl(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
            {
                continue;
            }

            if (builder.Length > 0)
            {
                if (newlines > 0)
                {
                    builder.Append(newlines > 1 ? "\n\n" : "\n");
                }
                else if (pendingSpace)
                {
                    builder.Append(' ');
                }
            }

            newlines = 0;
            pendingSpace = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>Printable ASCII with single inner spaces and no markup characters: nothing to do (the common case).</summary>
    private static bool IsAlreadyClean(string text)
    {
        var span = text.AsSpan();
        return span.IndexOfAnyExceptInRange(' ', '~') < 0
            && span.IndexOfAny('<', '&') < 0
            && !span.Contains("  ", StringComparison.Ordinal)
            && (span.Length == 0 || (span[0] != ' ' && span[^1] != ' '));
    }

    [GeneratedRegex(@"<(script|style)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<\s*(br|/p|/div|/li|/tr|/h[1-6]|p|div|li|tr|h[1-6])\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"<[^>]{0,2000}>", RegexOptions.CultureInvariant)]
    private static partial Regex AnyTag();
}
