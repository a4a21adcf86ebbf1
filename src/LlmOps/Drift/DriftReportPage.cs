using System.Globalization;
using System.Net;
using System.Text;

namespace LlmOps.Drift;

/// <summary>A drift report as one self-contained HTML page: summary, lineage, a row per check, an overlay per drifted distribution.</summary>
public static class DriftReportPage
{
    public static string Render(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
        html.Append(Encode($"Drift report {report.Id}")).Append("</title><style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:3px 8px;text-align:left}th{background:#eef}.Alert{background:#fdd}.Warn{background:#ffe8b0}.Ok{background:#e6f4ea}.Insufficient{background:#eee}.Undefined{background:#f3e0f7}</style></head><body>");
        html.Append(CultureInfo.InvariantCulture, $"<h1>Drift report: {Encode(report.Feature)}</h1><p>{Encode(report.Id)} at {report.CheckedAt:u}</p>");
        html.Append(CultureInfo.InvariantCulture, $"<p><b>Lineage:</b> this check used reference {Encode(report.Reference)} ({Encode(report.ReferenceReason)}) and current {Encode(report.Current)}");
        if (report.ReferenceIndex is not null || report.CurrentIndex is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"; embeddings from {Encode(report.ReferenceIndex ?? "-")} and {Encode(report.CurrentIndex ?? "-")}");
        }

        var alerts = report.Checks.Count(c => c.Status == DriftStatus.Alert);
        var warns = report.Checks.Count(c => c.Status == DriftStatus.Warn);
        html.Append(CultureInfo.InvariantCulture, $".</p><p><b>{alerts}</b> alert(s), <b>{warns}</b> warning(s); dataset drift: <b>{(report.DatasetDrift ? "yes" : "no")}</b>.</p>");
        html.Append("<table><tr><th>Signal</th><th>Kind</th><th>Test</th><th>Value</th><th>Warn</th><th>Alert</th><th>Status</th><th>Reference / current n</th><th>Why</th><th>Action</th></tr>");
        foreach (var check in report.Checks)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr class=\"{check.Status}\"><td>{Encode(check.Signal)}</td><td>{Encode(check.Kind)}</td><td>{Encode(check.Test)}</td><td>{Number(check.Value)}</td><td>{Number(check.Warn)}</td><td>{Number(check.Alert)}</td><td>{check.Status}</td><td>{check.ReferenceSize} / {check.CurrentSize}</td><td>{Encode(check.Message)}</td><td>{Encode(check.Action ?? "")}</td></tr>");
        }

        html.Append("</table>");
        if (report.ActionsSent.Count > 0 || report.ActionsHeldBack.Count > 0)
        {
            html.Append("<h2>Actions</h2><ul>");
            foreach (var action in report.ActionsSent)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>sent <b>{Encode(action.Action)}</b> for {Encode(action.Signal)} ({Number(action.Value)} vs {Number(action.Threshold)})</li>");
            }

            foreach (var held in report.ActionsHeldBack)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>held back by the cool-down: {Encode(held)}</li>");
            }

            html.Append("</ul>");
        }

        foreach (var check in report.Checks.Where(c => c.Status is DriftStatus.Alert or DriftStatus.Warn && c.Histogram is not null))
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>{Encode(check.Signal)}</h2>").Append(Overlay(check.Histogram!));
        }

        return html.Append("</body></html>").ToString();
    }

    /// <summary>Reference (blue) and current (orange) shares per bin, side by side.</summary>
    private static string Overlay(DriftHistogram histogram)
    {
        const int height = 160, barWidth = 10, gap = 8, top = 10;
        var max = Math.Max(histogram.Reference.Concat(histogram.Current).DefaultIfEmpty(0).Max(), 1e-9);
        var width = 40 + (histogram.Bins.Count * ((2 * barWidth) + gap));
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width + 150}\" height=\"{height + 60}\" font-size=\"10\">");
        for (var i = 0; i < histogram.Bins.Count; i++)
        {
            var x = 30 + (i * ((2 * barWidth) + gap));
            foreach (var (share, offset, color) in new[] { (histogram.Reference[i], 0, "#4e79a7"), (histogram.Current[i], barWidth, "#f28e2b") })
            {
                var h = share / max * height;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + offset}\" y=\"{top + height - h:0.#}\" width=\"{barWidth - 1}\" height=\"{h:0.#}\" fill=\"{color}\"><title>{Encode(histogram.Bins[i])}: {share:P1}</title></rect>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{top + height + 12}\" transform=\"rotate(45 {x} {top + height + 12})\">{Encode(histogram.Bins[i])}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{width + 10}\" y=\"{top}\" width=\"10\" height=\"10\" fill=\"#4e79a7\"/><text x=\"{width + 25}\" y=\"{top + 9}\">reference</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{width + 10}\" y=\"{top + 16}\" width=\"10\" height=\"10\" fill=\"#f28e2b\"/><text x=\"{width + 25}\" y=\"{top + 25}\">current</text>");
        return svg.Append("</svg>").ToString();
    }

    private static string Number(double value) => double.IsNaN(value) ? "-" : value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
