using System.Globalization;
using System.Text;

namespace LlmOps.Notebooks;

/// <summary>Charts as self-contained SVG, no script and no network.</summary>
public static class Charts
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"];

    /// <summary>A bar per label; with several series, bars grouped per label.</summary>
    public static HtmlView Bar(string title, IReadOnlyList<string> labels, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Values.Any(v => v.Count != labels.Count))
        {
            throw new ArgumentException("Every series needs one value per label.", nameof(series));
        }

        const int left = 50, top = 30, plotHeight = 180, groupWidth = 90;
        var max = Math.Max(series.Values.SelectMany(v => v).DefaultIfEmpty(0).Max(), 1e-9);
        var barWidth = (groupWidth - 20) / Math.Max(1, series.Count);
        var width = left + (labels.Count * groupWidth) + 140;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{top + plotHeight + 50}\" font-family=\"system-ui,sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"16\" font-size=\"13\" font-weight=\"600\">{Html.Encode(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotHeight}\" x2=\"{left + (labels.Count * groupWidth)}\" y2=\"{top + plotHeight}\" stroke=\"#333\"/>");
        var text = new StringBuilder(title).AppendLine();
        var s = 0;
        foreach (var (name, values) in series)
        {
            for (var i = 0; i < labels.Count; i++)
            {
                var h = values[i] / max * plotHeight;
                var x = left + (i * groupWidth) + 10 + (s * barWidth);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{top + plotHeight - h:0.#}\" width=\"{barWidth - 2}\" height=\"{h:0.#}\" fill=\"{Palette[s % Palette.Length]}\"><title>{Html.Encode($"{labels[i]} {name}: {values[i]:G4}")}</title></rect>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + ((barWidth - 2) / 2)}\" y=\"{top + plotHeight - h - 3:0.#}\" text-anchor=\"middle\">{values[i].ToString("G3", CultureInfo.InvariantCulture)}</text>");
                text.Append(CultureInfo.InvariantCulture, $"  {labels[i]} {name}: {values[i]:G4}").AppendLine();
            }

            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{width - 130}\" y=\"{top + (s * 16)}\" width=\"10\" height=\"10\" fill=\"{Palette[s % Palette.Length]}\"/><text x=\"{width - 115}\" y=\"{top + 9 + (s * 16)}\">{Html.Encode(name)}</text>");
            s++;
        }

        for (var i = 0; i < labels.Count; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (i * groupWidth) + (groupWidth / 2)}\" y=\"{top + plotHeight + 16}\" text-anchor=\"middle\">{Html.Encode(labels[i])}</text>");
        }

        return new HtmlView(svg.Append("</svg>").ToString(), text.ToString().TrimEnd());
    }

    public static HtmlView Bar(string title, IReadOnlyList<string> labels, IReadOnlyList<double> values, string series = "value") =>
        Bar(title, labels, new Dictionary<string, IReadOnlyList<double>> { [series] = values });

    /// <summary>
    /// A line per series over <paramref name="labels"/> (the x axis, in order); a missing value (null) breaks the line.
    /// The y axis runs from zero (or the smallest value when negative) to the largest.
    /// </summary>
    public static HtmlView Line(string title, IReadOnlyList<string> labels, IReadOnlyDictionary<string, IReadOnlyList<double?>> series, string unit = "")
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Values.Any(v => v.Count != labels.Count))
        {
            throw new ArgumentException("Every series needs one value per label.", nameof(series));
        }

        const int left = 60, top = 30, plotHeight = 180, step = 48;
        var values = series.Values.SelectMany(v => v).OfType<double>().ToList();
        var min = Math.Min(0, values.DefaultIfEmpty(0).Min());
        var max = Math.Max(values.DefaultIfEmpty(0).Max(), min + 1e-9);
        var plotWidth = Math.Max(1, labels.Count - 1) * step;
        var width = left + plotWidth + 170;
        double Y(double v) => top + plotHeight - ((v - min) / (max - min) * plotHeight);
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{top + plotHeight + 60}\" font-family=\"system-ui,sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"16\" font-size=\"13\" font-weight=\"600\">{Html.Encode(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotHeight}\" x2=\"{left + plotWidth}\" y2=\"{top + plotHeight}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotHeight}\" stroke=\"#333\"/>");
        foreach (var tick in new[] { min, (min + max) / 2, max })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{Y(tick) + 4:0.#}\" text-anchor=\"end\">{Html.Encode(tick.ToString("G3", CultureInfo.InvariantCulture) + unit)}</text>");
        }

        var text = new StringBuilder(title).AppendLine();
        var s = 0;
        foreach (var (name, points) in series)
        {
            var color = Palette[s % Palette.Length];
            var path = new StringBuilder();
            var pen = false;
            for (var i = 0; i < labels.Count; i++)
            {
                if (points[i] is not { } v)
                {
                    pen = false;
                    continue;
                }

                var x = left + (i * step);
                path.Append(CultureInfo.InvariantCulture, $"{(pen ? 'L' : 'M')}{x},{Y(v):0.#} ");
                pen = true;
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x}\" cy=\"{Y(v):0.#}\" r=\"2.5\" fill=\"{color}\"><title>{Html.Encode($"{labels[i]} {name}: {v:G4}{unit}")}</title></circle>");
                text.Append(CultureInfo.InvariantCulture, $"  {labels[i]} {name}: {v:G4}{unit}").AppendLine();
            }

            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{width - 160}\" y=\"{top + (s * 16)}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{width - 145}\" y=\"{top + 9 + (s * 16)}\">{Html.Encode(name)}</text>");
            s++;
        }

        for (var i = 0; i < labels.Count; i++)
        {
            var x = left + (i * step);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{top + plotHeight + 14}\" text-anchor=\"end\" transform=\"rotate(-35 {x} {top + plotHeight + 14})\">{Html.Encode(labels[i])}</text>");
        }

        return new HtmlView(svg.Append("</svg>").ToString(), text.ToString().TrimEnd());
    }
    /// <summary>
    /// A forest plot: per row a difference (a dot) with its interval (a whisker) against a dashed line at zero; a row
    /// whose interval excludes zero is drawn dark, one that includes it grey.
    /// </summary>
    public static HtmlView Intervals(string title, IReadOnlyList<string> labels, IReadOnlyList<Evaluation.MetricComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(comparisons);
        if (labels.Count != comparisons.Count)
        {
            throw new ArgumentException("One label per comparison.", nameof(labels));
        }

        const int left = 260, top = 34, row = 20, plotWidth = 360;
        var min = Math.Min(0, comparisons.Select(c => c.Low).DefaultIfEmpty(0).Min());
        var max = Math.Max(0, comparisons.Select(c => c.High).DefaultIfEmpty(0).Max());
        max = Math.Max(max, min + 1e-9);
        double X(double v) => left + ((v - min) / (max - min) * plotWidth);
        var height = top + (comparisons.Count * row) + 30;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + plotWidth + 150}\" height=\"{height}\" font-family=\"system-ui,sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"16\" font-size=\"13\" font-weight=\"600\">{Html.Encode(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(0):0.#}\" y1=\"{top - 8}\" x2=\"{X(0):0.#}\" y2=\"{height - 24}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>");
        foreach (var tick in new[] { min, 0, max }.Distinct())
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(tick):0.#}\" y=\"{height - 8}\" text-anchor=\"middle\">{tick.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        }

        var text = new StringBuilder(title).AppendLine();
        for (var i = 0; i < comparisons.Count; i++)
        {
            var c = comparisons[i];
            var y = top + (i * row) + (row / 2);
            var color = c.Low > 0 || c.High < 0 ? "#1f3b73" : "#aaa";
            var interval = FormattableString.Invariant($"{c.Difference:+0.000;-0.000} [{c.Low:+0.000;-0.000}, {c.High:+0.000;-0.000}]");
            var line = $"{labels[i]}: {interval}";
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 4}\" text-anchor=\"end\">{Html.Encode(labels[i])}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(c.Low):0.#}\" y1=\"{y}\" x2=\"{X(c.High):0.#}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"2\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(c.Difference):0.#}\" cy=\"{y}\" r=\"3.5\" fill=\"{color}\"><title>{Html.Encode(line)}</title></circle>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotWidth + 10}\" y=\"{y + 4}\">{Html.Encode(interval)}</text>");
            text.Append("  ").AppendLine(line);
        }

        return new HtmlView(svg.Append("</svg>").ToString(), text.ToString().TrimEnd());
    }
}
