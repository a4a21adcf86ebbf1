using System.Globalization;
using LlmOps.Feedback;
using Microsoft.Data.Analysis;

namespace LlmOps.Notebooks;

/// <summary>
/// Feedback analytics for cells: SQL over a feature's traces and scores (a <see cref="FeedbackQuery"/>, views
/// <c>traces</c> and <c>scores</c>) as DataFrames, statistics as a table, and trends as line charts.
/// </summary>
public static class FeedbackViews
{
    /// <summary>A SQL cell: the rows of <paramref name="sql"/> as a DataFrame (numbers as double columns, booleans as such, the rest as text).</summary>
    public static DataFrame Sql(FeedbackQuery query, string sql)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = query.Rows(sql);
        if (rows.Count == 0)
        {
            return new DataFrame(new StringDataFrameColumn("(no rows)", 0));
        }

        var columns = new List<DataFrameColumn>();
        foreach (var name in rows[0].Keys)
        {
            var values = rows.Select(r => r[name]).ToList();
            columns.Add(values.All(v => v is null or bool) && values.Any(v => v is not null)
                ? new BooleanDataFrameColumn(name, values.Select(v => (bool?)v))
                : values.All(v => v is null || IsNumber(v)) && values.Any(v => v is not null)
                    ? new DoubleDataFrameColumn(name, values.Select(v => v is null ? (double?)null : Convert.ToDouble(v, CultureInfo.InvariantCulture)))
                    : new StringDataFrameColumn(name, values.Select(Text)));
        }

        return new DataFrame(columns);
    }

    /// <summary>One row per group of <paramref name="stats"/>: requests, thumbs-up, correction, escalation, latency, tokens, cost, errors, safety flags.</summary>
    public static DataFrame Stats(FeedbackStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var g = stats.Groups;
        return new DataFrame(
            new StringDataFrameColumn(stats.By, g.Select(x => x.Group)),
            new Int64DataFrameColumn("requests", g.Select(x => x.Requests)),
            new DoubleDataFrameColumn("thumbs_up_rate", g.Select(x => x.ThumbsUpRate)),
            new DoubleDataFrameColumn("correction_rate", g.Select(x => x.CorrectionRate)),
            new DoubleDataFrameColumn("escalation_rate", g.Select(x => x.EscalationRate)),
            new DoubleDataFrameColumn("latency_p50_ms", g.Select(x => x.LatencyP50)),
            new DoubleDataFrameColumn("latency_p95_ms", g.Select(x => x.LatencyP95)),
            new DoubleDataFrameColumn("latency_p99_ms", g.Select(x => x.LatencyP99)),
            new Int64DataFrameColumn("input_tokens", g.Select(x => x.InputTokens)),
            new Int64DataFrameColumn("output_tokens", g.Select(x => x.OutputTokens)),
            new DoubleDataFrameColumn("cost_per_request_usd", g.Select(x => x.CostPerRequest)),
            new DoubleDataFrameColumn("cost_per_day_usd", g.Select(x => x.CostPerDay)),
            new DoubleDataFrameColumn("error_rate", g.Select(x => x.ErrorRate)),
            new DoubleDataFrameColumn("safety_flag_rate", g.Select(x => x.SafetyFlagRate)));
    }

    /// <summary>
    /// A line chart of <paramref name="sql"/>, whose first three columns are the x value (a day, say), the series (a
    /// prompt version, say) and the number; x values in the order of the rows' sorted text.
    /// </summary>
    public static HtmlView Trend(FeedbackQuery query, string title, string sql, string unit = "")
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = query.Rows(sql).Select(r => r.Values.ToList()).ToList();
        if (rows.Count > 0 && rows[0].Count < 3)
        {
            throw new ArgumentException("A trend query returns three columns: the x value, the series and the number.", nameof(sql));
        }

        var points = rows.Select(r => (X: Text(r[0]) ?? "", Series: Text(r[1]) ?? "(none)", Value: r[2] is null ? (double?)null : Convert.ToDouble(r[2], CultureInfo.InvariantCulture))).ToList();
        var labels = points.Select(p => p.X).Distinct().Order(StringComparer.Ordinal).ToList();
        var series = points.GroupBy(p => p.Series).OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(
            s => s.Key,
            s => (IReadOnlyList<double?>)labels.Select(x => s.FirstOrDefault(p => p.X == x).Value).ToList());
        return Charts.Line(title, labels, series, unit);
    }

    private static bool IsNumber(object value) => value is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or System.Numerics.BigInteger;

    private static string? Text(object? value) => value switch
    {
        null => null,
        DateTime t => t.TimeOfDay == TimeSpan.Zero ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : t.ToString("u", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
