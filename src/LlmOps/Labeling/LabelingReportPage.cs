using System.Globalization;
using System.Net;
using System.Text;

namespace LlmOps.Labeling;

/// <summary>
/// A labeling QA report as one self-contained HTML page: the decision and its reasons, agreement per field, the
/// pairwise kappa matrix, annotator quality, each annotator's confusion against the consensus as SVG, and the
/// adjudication list.
/// </summary>
public static class LabelingReportPage
{
    /// <summary>Rows of the adjudication list shown (the JSON report has them all).</summary>
    public const int MaxAdjudicationRows = 500;

    public static string Render(LabelingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>")
            .Append(Encode($"Labeling QA: {report.Project}")).Append("</title></head><body style=\"margin:24px\">")
            .Append(RenderBody(report)).Append("</body></html>").ToString();
    }

    /// <summary>The page's content without the document around it (what a notebook cell shows), its styles scoped to it.</summary>
    public static string RenderBody(LabelingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder("<div class=\"llmops-labeling\"><style>.llmops-labeling{font:14px system-ui,sans-serif}.llmops-labeling table{border-collapse:collapse;margin-bottom:16px}.llmops-labeling td,.llmops-labeling th{border:1px solid #ccd;padding:3px 8px;text-align:left}.llmops-labeling th{background:#eef}.llmops-labeling .reliable{background:#e6f4ea}.llmops-labeling .tentative{background:#ffe8b0}.llmops-labeling .unreliable,.llmops-labeling .undefined{background:#fdd}.llmops-labeling svg{margin:4px 16px 16px 0}</style>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>Labeling QA: {Encode(report.Project)}</h1><p>{report.At:u}: {report.Items} item(s), {report.Labels} label(s) by {report.Annotators.Count} annotator(s); consensus by {Encode(report.ConsensusMethod)}.</p>");
        html.Append(report.Publishable ? "<p><b>Publishable</b>: every gate passed.</p>" : "<p><b>Not publishable</b>:</p><ul>");
        if (!report.Publishable)
        {
            foreach (var reason in report.Reasons)
            {
                html.Append("<li>").Append(Encode(reason)).Append("</li>");
            }

            html.Append("</ul>");
        }

        html.Append("<h2>Agreement</h2><table><tr><th>Field</th><th>Kind</th><th>Gate statistic</th><th>Value</th><th>Publish / tentative</th><th>Level</th><th>Items</th><th>Labels</th><th>Alpha (95% interval)</th><th>Percent agreement</th><th>Fleiss' kappa</th><th>Gwet's AC1</th><th>Mean Cohen's kappa</th></tr>");
        foreach (var f in report.Fields)
        {
            var interval = f.AlphaLow is { } low && f.AlphaHigh is { } high ? $" ({Number(low)} to {Number(high)})" : "";
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"{f.Level}\"><td>{Encode(f.Field)}</td><td>{Encode(f.Kind)}</td><td>{Encode(f.Statistic)}</td><td>{Number(f.Value)}</td><td>{Number(f.Publish)} / {Number(f.Tentative)}</td><td>{f.Level}</td><td>{f.Items}</td><td>{f.Labels}</td><td>{Number(f.Alpha)}{interval}</td><td>{Number(f.PercentAgreement)}</td><td>{Number(f.FleissKappa)}</td><td>{Number(f.GwetAc1)}</td><td>{Number(f.MeanCohenKappa)}</td></tr>");
        }

        html.Append("</table>");
        foreach (var f in report.Fields.Where(f => f.PairwiseKappa.Count > 0))
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{Encode(f.Field)}: Cohen's kappa by pair</h3><table><tr><th></th>");
            foreach (var b in report.Annotators)
            {
                html.Append("<th>").Append(Encode(b)).Append("</th>");
            }

            html.Append("</tr>");
            foreach (var a in report.Annotators)
            {
                html.Append("<tr><th>").Append(Encode(a)).Append("</th>");
                foreach (var b in report.Annotators)
                {
                    var pair = f.PairwiseKappa.FirstOrDefault(p => (p.A == a && p.B == b) || (p.A == b && p.B == a));
                    html.Append("<td>").Append(a == b ? "" : pair is null ? "-" : $"{Number(pair.Kappa)} (n={pair.Items})").Append("</td>");
                }

                html.Append("</tr>");
            }

            html.Append("</table>");
            if (f.ConsensusConfusion.Count > 0)
            {
                html.Append("<p>Each annotator against the consensus (rows: consensus, columns: the annotator's label):</p>");
                foreach (var (annotator, cells) in f.ConsensusConfusion.OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    html.Append(Confusion(annotator, f.Values, cells));
                }
            }
        }

        html.Append("<h2>Annotators</h2><table><tr><th>Annotator</th><th>Labels</th><th>Gold accuracy</th><th>Agreement with consensus</th></tr>");
        foreach (var a in report.AnnotatorQuality)
        {
            var gold = a.GoldAccuracy is { } accuracy ? $"{Number(accuracy)} ({a.GoldCorrect} of {a.GoldLabels})" : "-";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(a.Annotator)}</td><td>{a.Labels}</td><td>{gold}</td><td>{Number(a.ConsensusAgreement)}</td></tr>");
        }

        html.Append("</table>");
        html.Append(CultureInfo.InvariantCulture, $"<h2>Adjudication ({report.Adjudication.Count(a => a.Decision is null)} open, {report.Adjudication.Count(a => a.Decision is not null)} decided)</h2>");
        if (report.Adjudication.Count > 0)
        {
            html.Append("<table><tr><th>Item</th><th>Field</th><th>Why</th><th>Labels</th><th>Decision</th></tr>");
            foreach (var item in report.Adjudication.Take(MaxAdjudicationRows))
            {
                var labels = string.Join("; ", item.Labels.Select(l => $"{l.Key}: {l.Value}"));
                var decision = item.Decision is { } d ? $"{string.Join("|", d.Values)} by {d.By}: {d.Reason}" : "open";
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(item.Item)}</td><td>{Encode(item.Field)}</td><td>{Encode(item.Reason)}</td><td>{Encode(labels)}</td><td>{Encode(decision)}</td></tr>");
            }

            html.Append("</table>");
            if (report.Adjudication.Count > MaxAdjudicationRows)
            {
                html.Append(CultureInfo.InvariantCulture, $"<p>{report.Adjudication.Count - MaxAdjudicationRows} more in report.json.</p>");
            }
        }

        return html.Append("</div>").ToString();
    }

    /// <summary>A k x k heat map: each cell shaded by its share of its row, with its count.</summary>
    private static string Confusion(string annotator, IReadOnlyList<string> values, long[] cells)
    {
        const int cell = 34, left = 90, top = 40;
        var k = values.Count;
        var width = left + (k * cell) + 10;
        var height = top + (k * cell) + 10;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Encode(annotator)} against the consensus\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"14\" font-size=\"12\" font-weight=\"bold\">{Encode(annotator)}</text>");
        for (var j = 0; j < k; j++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (j * cell) + 2}\" y=\"{top - 4}\" font-size=\"9\">{Encode(Short(values[j]))}</text>");
        }

        for (var i = 0; i < k; i++)
        {
            double row = 0;
            for (var j = 0; j < k; j++)
            {
                row += cells[(i * k) + j];
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"2\" y=\"{top + (i * cell) + 20}\" font-size=\"10\">{Encode(Short(values[i]))}</text>");
            for (var j = 0; j < k; j++)
            {
                var count = cells[(i * k) + j];
                var share = row == 0 ? 0 : count / row;
                var shade = (int)Math.Round(255 - (share * 180));
                var colour = i == j ? $"rgb({shade},{255},{shade})" : $"rgb(255,{shade},{shade})";
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + (j * cell)}\" y=\"{top + (i * cell)}\" width=\"{cell - 2}\" height=\"{cell - 2}\" fill=\"{colour}\"><title>consensus {Encode(values[i])}, labeled {Encode(values[j])}: {count}</title></rect>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (j * cell) + 4}\" y=\"{top + (i * cell) + 20}\" font-size=\"10\">{count}</text>");
            }
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Short(string value) => value.Length > 12 ? value[..11] + "…" : value;

    private static string Number(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
