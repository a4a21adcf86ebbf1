using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.Data.Analysis;

namespace LlmOps.Notebooks.Runner;

/// <summary>What a cell's last expression shows: MIME type to content, as Jupyter's display data.</summary>
public static class NotebookFormatter
{
    public const int MaxItems = 100;

    public static IReadOnlyDictionary<string, string> Format(object? value)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (value)
        {
            case null:
                break;
            case IHtmlContent html:
                using (var writer = new StringWriter(CultureInfo.InvariantCulture))
                {
                    html.WriteTo(writer, HtmlEncoder.Default);
                    data["text/html"] = writer.ToString();
                }

                data["text/plain"] = html.ToString() ?? html.GetType().Name;
                break;
            case DataFrame frame:
                data["text/html"] = Html.Table(frame).Html;
                data["text/plain"] = frame.ToString();
                break;
            case string text:
                data["text/plain"] = text;
                break;
            case IFormattable formattable:
                data["text/plain"] = formattable.ToString(null, CultureInfo.InvariantCulture);
                break;
            case IEnumerable items:
                var lines = new StringBuilder();
                var count = 0;
                foreach (var item in items)
                {
                    if (count++ == MaxItems)
                    {
                        lines.AppendLine("...");
                        break;
                    }

                    lines.AppendLine(Convert.ToString(item, CultureInfo.InvariantCulture));
                }

                data["text/plain"] = lines.ToString().TrimEnd();
                break;
            default:
                data["text/plain"] = value.ToString() ?? value.GetType().Name;
                break;
        }

        return data;
    }
}
