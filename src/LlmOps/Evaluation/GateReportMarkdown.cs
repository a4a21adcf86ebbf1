using System.Globalization;
using System.Text;

namespace LlmOps.Evaluation;

/// <summary>A gate report as GitHub-flavoured markdown, fit for a pull-request comment.</summary>
public static class GateReportMarkdown
{
    public static string Render(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"### LlmOps release gate: {(report.Passed ? "✅ passed" : "❌ refused")}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"`{report.Candidate}` against {(report.Baseline is null ? "no baseline (first release: absolute bounds only)" : $"`{report.Baseline}`")} ")
            .Append(CultureInfo.InvariantCulture, $"on `{report.Dataset}` ({report.Examples} examples, model `{report.Model}`); runs `{report.CandidateRun}`{(report.BaselineRun is null ? "" : $" and `{report.BaselineRun}`")}; decision `{report.Id}`.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| metric | candidate | baseline | difference ({report.Confidence:P0} interval) | McNemar p | gate | result |\n");
        text.Append("|---|---:|---:|---|---:|---|---|\n");
        foreach (var row in report.Rows.OrderBy(r => r.Requirement is null).ThenBy(r => r.Metric, StringComparer.Ordinal))
        {
            var comparison = row.Comparison;
            text.Append(CultureInfo.InvariantCulture, $"| {row.Metric}{(row.GreaterIsBetter ? "" : " (lower is better)")} | {F(row.Candidate)} | {F(row.Baseline)} | ")
                .Append(comparison is null ? "" : $"{Signed(comparison.Difference)} ({Signed(comparison.Low)} to {Signed(comparison.High)})")
                .Append(CultureInfo.InvariantCulture, $" | {(comparison?.McNemarP is { } p ? p.ToString("0.###", CultureInfo.InvariantCulture) : "")} | {row.Requirement ?? "(not gated)"} | ")
                .Append(row.Requirement is null ? "" : row.Passed ? "pass" : "**refused**: " + row.Failure)
                .Append(" |\n");
        }

        return text.ToString();
    }

    private static string F(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static string Signed(double value) => value.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture);
}
