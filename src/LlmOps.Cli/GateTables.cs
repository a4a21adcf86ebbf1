using System.Globalization;
using LlmOps.Evaluation;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>How evaluation runs and gate decisions are shown in a terminal.</summary>
internal static class GateTables
{
    public static Table Run(EvaluationRun run)
    {
        var table = new Table().AddColumns("metric", "mean", "examples").Border(TableBorder.Rounded);
        table.Title = new TableTitle(Markup.Escape($"{run.Target} ({run.Model}) on {run.Dataset}"));
        foreach (var metric in run.Metrics.Values)
        {
            table.AddRow(Markup.Escape(metric.Metric), F(metric.Mean), metric.Examples.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var calibration in run.Calibration)
        {
            table.AddRow(Markup.Escape($"judge kappa ({calibration.Dimension})"), calibration.Kappa is { } kappa ? F(kappa) : "n/a", calibration.Examples.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    public static Table Report(GateReport report)
    {
        var table = new Table().AddColumns("metric", "candidate", "baseline", $"difference ({report.Confidence:P0} interval)", "McNemar p", "gate", "result").Border(TableBorder.Rounded);
        table.Title = new TableTitle(Markup.Escape($"{report.Candidate} vs {report.Baseline ?? "no baseline"} on {report.Dataset} ({report.Examples} examples)"));
        foreach (var row in report.Rows.OrderBy(r => r.Requirement is null).ThenBy(r => r.Metric, StringComparer.Ordinal))
        {
            var c = row.Comparison;
            table.AddRow(
                Markup.Escape(row.Metric),
                row.Candidate is { } candidate ? F(candidate) : "",
                row.Baseline is { } baseline ? F(baseline) : "",
                c is null ? "" : Markup.Escape($"{S(c.Difference)} ({S(c.Low)} to {S(c.High)})"),
                c?.McNemarP is { } p ? p.ToString("0.###", CultureInfo.InvariantCulture) : "",
                Markup.Escape(row.Requirement ?? "-"),
                row.Requirement is null ? "" : row.Passed ? "[green]pass[/]" : "[red]refused[/]");
        }

        return table;
    }

    /// <summary>Prints why each refused gate refused, one line each.</summary>
    public static void Failures(IAnsiConsole console, GateReport report)
    {
        foreach (var failure in report.Failures)
        {
            console.MarkupLineInterpolated($"  [red]-[/] {failure}");
        }
    }

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string S(double value) => value.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture);
}
