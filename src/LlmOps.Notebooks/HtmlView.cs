using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace LlmOps.Notebooks;

/// <summary>
/// Self-contained HTML a cell shows. It is an <see cref="IHtmlContent"/>, which Polyglot Notebooks renders as HTML,
/// and `llmops notebook run` writes as a text/html output (its text/plain is <see cref="Text"/>, by the package's extension.dib).
/// </summary>
public sealed class HtmlView(string html, string text) : IHtmlContent
{
    public string Html { get; } = html;

    /// <summary>The plain-text form (the text/plain output).</summary>
    public string Text { get; } = text;

    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Html);
    }

    public override string ToString() => Text;
}
