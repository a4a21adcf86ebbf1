using System.Globalization;
using System.Net;
using System.Text;
using LlmOps.Ingestion.Processing;
using LlmOps.Lineage;
using Microsoft.Data.Analysis;
using LlmOps.Datasets;

namespace LlmOps.Notebooks;

/// <summary>Self-contained HTML views for notebook cells: tables, key-value cards, sections and lineage graphs.</summary>
public static class Html
{
    private const string TableStyle = "border-collapse:collapse;font:13px system-ui,sans-serif";
    private const string CellStyle = "border:1px solid #ccd;padding:3px 8px;text-align:left;vertical-align:top";

    public static string Encode(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");

    /// <summary>A DataFrame as an HTML table (the first <paramref name="maxRows"/> rows).</summary>
    public static HtmlView Table(DataFrame frame, int maxRows = 50)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var html = new StringBuilder($"<table style=\"{TableStyle}\"><thead><tr>");
        foreach (var column in frame.Columns)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th style=\"{CellStyle};background:#eef\">{Encode(column.Name)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        for (long row = 0; row < Math.Min(frame.Rows.Count, maxRows); row++)
        {
            html.Append("<tr>");
            foreach (var column in frame.Columns)
            {
                var value = column[row];
                html.Append(CultureInfo.InvariantCulture, $"<td style=\"{CellStyle}\">{Encode(value is double d ? d.ToString("G4", CultureInfo.InvariantCulture) : value)}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table>");
        if (frame.Rows.Count > maxRows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{frame.Rows.Count - maxRows} more row(s)</p>");
        }

        return new HtmlView(html.ToString(), frame.ToString());
    }

    /// <summary>Dataset records as cards: id, language, counts, fields, the cleaned and redacted text with its chunks marked.</summary>
    public static HtmlView Records(IEnumerable<DatasetRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var html = new StringBuilder();
        var text = new StringBuilder();
        foreach (var record in records)
        {
            var fields = string.Join(", ", record.Fields.Select(f => $"{f.Key}: {Convert.ToString(f.Value, CultureInfo.InvariantCulture)}"));
            html.Append("<div style=\"border:1px solid #ccd;border-radius:6px;padding:6px 10px;margin:6px 0;font:13px system-ui,sans-serif\">");
            html.Append(CultureInfo.InvariantCulture, $"<b>{Encode(record.Id)}</b> <span style=\"color:#667\">line {record.Line} · {Encode(record.Language)} · {record.Tokens} tokens · {record.Chunks.Count} chunk(s) · {Encode(fields)}</span><p style=\"margin:4px 0\">");
            foreach (var chunk in record.Chunks)
            {
                html.Append(CultureInfo.InvariantCulture, $"<span title=\"{Encode(chunk.Id)}\" style=\"background:{(chunk.Index % 2 == 0 ? "#e8f0fe" : "#fef7e0")}\">{Encode(record.ChunkText(chunk))}</span> ");
            }

            html.Append("</p></div>");
            text.Append(CultureInfo.InvariantCulture, $"{record.Id} ({record.Language}, {record.Tokens} tokens): {record.Text}").AppendLine();
        }

        return new HtmlView(html.ToString(), text.ToString().TrimEnd());
    }

    /// <summary>Rows of label / value pairs, values already HTML when they are <see cref="HtmlView"/>s.</summary>
    public static HtmlView KeyValues(string title, IEnumerable<(string Key, object? Value)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<h4 style=\"font:600 14px system-ui\">{Encode(title)}</h4><table style=\"{TableStyle}\">");
        var text = new StringBuilder(title).AppendLine();
        foreach (var (key, value) in list)
        {
            var cell = value is HtmlView view ? view.Html : Encode(value);
            html.Append(CultureInfo.InvariantCulture, $"<tr><th style=\"{CellStyle};background:#eef\">{Encode(key)}</th><td style=\"{CellStyle}\">{cell}</td></tr>");
            text.Append(CultureInfo.InvariantCulture, $"  {key}: {value}").AppendLine();
        }

        return new HtmlView(html.Append("</table>").ToString(), text.ToString().TrimEnd());
    }

    /// <summary>Several views one after the other, under a heading.</summary>
    public static HtmlView Section(string title, params HtmlView[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new HtmlView(
            $"<section><h3 style=\"font:600 16px system-ui\">{Encode(title)}</h3>{string.Concat(parts.Select(p => p.Html))}</section>",
            title + Environment.NewLine + string.Join(Environment.NewLine, parts.Select(p => p.Text)));
    }

    /// <summary>
    /// A lineage graph as inline SVG, one column per hop from the root (upstream to the left, downstream to the right),
    /// edges labelled with their relation.
    /// </summary>
    public static HtmlView Lineage(LineageGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ids = graph.Nodes.Select(n => n.Id).Concat(graph.Edges.SelectMany(e => new[] { e.From, e.To })).Append(graph.Root).Distinct(StringComparer.Ordinal).ToList();
        var upstream = UpstreamSet(graph);
        int Column(string id) => upstream.Contains(id) ? -graph.Distances.GetValueOrDefault(id) : graph.Distances.GetValueOrDefault(id);
        var columns = ids.GroupBy(Column).OrderBy(g => g.Key).ToList();
        const int width = 290, height = 56, boxWidth = 250, boxHeight = 34;
        var position = new Dictionary<string, (int X, int Y)>(StringComparer.Ordinal);
        for (var c = 0; c < columns.Count; c++)
        {
            var row = 0;
            foreach (var id in columns[c].OrderBy(i => i, StringComparer.Ordinal))
            {
                position[id] = (20 + (c * width), 20 + (row++ * height));
            }
        }

        var svgWidth = 40 + (columns.Count * width);
        var svgHeight = 40 + (Math.Max(1, columns.Max(c => c.Count())) * height);
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{svgWidth}\" height=\"{svgHeight}\" font-family=\"system-ui,sans-serif\" font-size=\"11\">");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#667\"/></marker></defs>");
        foreach (var edge in graph.Edges)
        {
            var (x1, y1) = position[edge.From];
            var (x2, y2) = position[edge.To];
            var (sx, sy, tx, ty) = (x1 + boxWidth, y1 + (boxHeight / 2), x2, y2 + (boxHeight / 2));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{sx}\" y1=\"{sy}\" x2=\"{tx}\" y2=\"{ty}\" stroke=\"#667\" marker-end=\"url(#arrow)\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(sx + tx) / 2}\" y=\"{((sy + ty) / 2) - 3}\" text-anchor=\"middle\" fill=\"#445\">{Encode(edge.Relation)}</text>");
        }

        foreach (var id in ids)
        {
            var (x, y) = position[id];
            var kind = id[..Math.Max(0, id.IndexOf(':', StringComparison.Ordinal))];
            var label = id.Length > 42 ? id[..41] + "…" : id;
            var stroke = id == graph.Root ? "#c33" : "#88a";
            svg.Append(CultureInfo.InvariantCulture, $"<g><title>{Encode(id)}</title><rect x=\"{x}\" y=\"{y}\" width=\"{boxWidth}\" height=\"{boxHeight}\" rx=\"6\" fill=\"{Fill(kind)}\" stroke=\"{stroke}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 8}\" y=\"{y + 21}\">{Encode(label)}</text></g>");
        }

        svg.Append("</svg>");
        return new HtmlView(svg.ToString(), LineageWriter.Text(graph));
    }

    private static HashSet<string> UpstreamSet(LineageGraph graph)
    {
        // Nodes reached by walking edges backwards from the root are drawn to its left.
        var upstream = new HashSet<string>(StringComparer.Ordinal);
        var frontier = new Queue<string>([graph.Root]);
        while (frontier.TryDequeue(out var id))
        {
            foreach (var edge in graph.Edges.Where(e => e.To == id && upstream.Add(e.From)))
            {
                frontier.Enqueue(edge.From);
            }
        }

        upstream.Remove(graph.Root);
        return upstream;
    }

    private static string Fill(string kind) => kind switch
    {
        "blob" => "#fff4e0",
        "prep" => "#f0f0f0",
        "dataset" => "#e6f4ea",
        "index" => "#e8f0fe",
        "run" => "#fef7e0",
        "model" or "prompt" => "#fce8e6",
        "deploy" => "#f3e8fd",
        _ => "#ffffff",
    };
}
