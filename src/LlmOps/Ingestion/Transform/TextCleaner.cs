using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace LlmOps.Ingestion.Transform;

/// <summary>
/// Cleans record text: HTML to text (only when the text holds HTML tags: parsed with AngleSharp, script and style
/// dropped, block elements become line breaks; plain text with a '&lt;' or '&gt;' is left as it is), entities decoded,
/// Unicode NFC, control and format characters removed (tab and line breaks kept), runs of spaces collapsed, blank
/// lines squeezed.
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

        if (stripHtml && text.Contains('<', StringComparison.Ordinal) && HtmlTag().IsMatch(text))
        {
            text = HtmlToText(text);
        }
        else if (stripHtml && text.Contains('&', StringComparison.Ordinal))
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
        var span = text.AsSpan();
        for (var i = 0; i < span.Length;)
        {
            // A run of printable ASCII is kept as it is, but for its runs of spaces: each piece between them (single
            // spaces inside) is appended at once.
            var run = span[i..].IndexOfAnyExceptInRange(' ', '~');
            var length = run < 0 ? span.Length - i : run;
            if (length > 0)
            {
                AppendPrintable(builder, span.Slice(i, length), ref newlines, ref pendingSpace);
                i += length;
                continue;
            }

            var c = span[i++];
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

            Separate(builder, ref newlines, ref pendingSpace);
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>Appends printable ASCII: each run of spaces becomes one pending space, as the character loop would make it.</summary>
    private static void AppendPrintable(StringBuilder builder, ReadOnlySpan<char> text, ref int newlines, ref bool pendingSpace)
    {
        while (!text.IsEmpty)
        {
            if (text[0] == ' ')
            {
                pendingSpace = true;
                var word = text.IndexOfAnyExcept(' ');
                if (word < 0)
                {
                    return;
                }

                text = text[word..];
            }

            var spaces = text.IndexOf("  ", StringComparison.Ordinal);
            var piece = spaces < 0 ? text : text[..spaces];
            if (piece[^1] == ' ')
            {
                piece = piece[..^1]; // a single space at the end is pending: a line break may follow
            }

            Separate(builder, ref newlines, ref pendingSpace);
            builder.Append(piece);
            text = text[piece.Length..];
        }
    }

    /// <summary>Before kept text: the line breaks (at most one blank line) or the single space that came before it, unless at the start.</summary>
    private static void Separate(StringBuilder builder, ref int newlines, ref bool pendingSpace)
    {
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

    /// <summary>The text content of an HTML fragment, with a line break around each block element.</summary>
    private static string HtmlToText(string html)
    {
        // An address in angle brackets ("Jane Roe <jane@example.com>") is text, not a tag: keep it for redaction.
        html = BracketedAddress().Replace(html, "&lt;$1&gt;");
        var document = new HtmlParser().ParseDocument(html);
        var builder = new StringBuilder(html.Length);
        Append(document.Body ?? (INode)document, builder);
        return builder.ToString();

        static void Append(INode node, StringBuilder builder)
        {
            foreach (var child in node.ChildNodes)
            {
                switch (child)
                {
                    case IText text:
                        builder.Append(text.Data);
                        break;
                    case IElement element when element.LocalName is "script" or "style" or "template" or "noscript" or "head":
                        builder.Append(' ');
                        break;
                    case IElement element when element.LocalName is "br":
                        builder.Append('\n');
                        break;
                    case IElement element when BlockElements.Contains(element.LocalName):
                        LineBreak(builder);
                        Append(element, builder);
                        LineBreak(builder);
                        break;
                    case IElement element:
                        Append(element, builder);
                        if (element.LocalName is "td" or "th")
                        {
                            builder.Append(' ');
                        }

                        break;
                }
            }
        }
    }

    /// <summary>One line break between blocks, however many blocks close and open there.</summary>
    private static void LineBreak(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[^1] != '\n')
        {
            builder.Append('\n');
        }
    }

    private static readonly HashSet<string> BlockElements = new(StringComparer.Ordinal)
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    };

    /// <summary>A real HTML tag (a known element name, a comment or a doctype), not just a '&lt;' in prose.</summary>
    [GeneratedRegex(@"<(?:!--|!doctype\b|/?(?:a|abbr|address|article|aside|b|blockquote|body|br|caption|center|code|dd|div|dl|dt|em|figure|font|footer|form|h[1-6]|head|header|hr|html|i|img|input|label|li|link|main|meta|nav|noscript|ol|option|p|pre|s|script|section|select|small|span|strike|strong|style|sub|sup|table|tbody|td|template|textarea|tfoot|th|thead|title|tr|tt|u|ul)(?=[\s/>]))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"<([^<>\s@]+@[^<>\s]+)>", RegexOptions.CultureInvariant)]
    private static partial Regex BracketedAddress();
}
