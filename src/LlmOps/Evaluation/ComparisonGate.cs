using System.Globalization;
using LlmOps.Lifecycle;

namespace LlmOps.Evaluation;

/// <summary>
/// Decides a release from two evaluations of the same set, with no storage: each gate's absolute bounds on the
/// candidate's mean, and its change against the baseline paired per example. A shortfall counts only when the whole
/// confidence interval of the difference (in the metric's better direction) is below the gate's bar; for a
/// pass/fail metric held to "no worse" (a bar of 0 or less) McNemar's test must also find the change significant.
/// Metrics no gate names are compared too, for the report, and never refuse.
/// </summary>
public static class ComparisonGate
{
    public static IReadOnlyList<GateRow> Decide(
        IReadOnlyList<ReleaseGate> gates, EvaluationRun candidate, EvaluationRun? baseline,
        int resamples = PairedComparison.DefaultResamples, int seed = PairedComparison.DefaultSeed, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(candidate);
        var rows = new List<GateRow>();
        var metrics = candidate.Metrics.Keys.Union(gates.Select(g => g.Metric), StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var metric in metrics)
        {
            var gate = gates.FirstOrDefault(g => g.Metric == metric);
            var greater = gate?.GreaterIsBetter ?? !EvalMetrics.LowerIsBetter.Contains(metric);
            var comparison = baseline is null ? null : Compare(metric, candidate, baseline, resamples, seed, confidence);
            rows.Add(Row(metric, gate, greater, candidate.Metrics.GetValueOrDefault(metric)?.Mean, baseline is null ? null : baseline.Metrics.GetValueOrDefault(metric)?.Mean, comparison, baseline is not null));
        }

        return rows;
    }

    /// <summary>
    /// One metric's row: <paramref name="gate"/>'s absolute bounds on <paramref name="mean"/> and, with a baseline, its
    /// change bar against the interval of <paramref name="comparison"/> (missing: the metric cannot be compared).
    /// </summary>
    public static GateRow Row(string metric, ReleaseGate? gate, bool greater, double? mean, double? baselineMean, MetricComparison? comparison, bool hasBaseline)
    {
        var failures = new List<string>();
        if (gate is not null && (gate.Min is not null || gate.Max is not null) && gate.Check(mean) is { } bound)
        {
            failures.Add(mean is null ? $"not measured (gate needs {gate.Bounds})" : bound);
        }

        if (gate?.ComparesWithBaseline == true && hasBaseline)
        {
            if (comparison is null)
            {
                failures.Add("not measured on both sides, so it cannot be compared with the baseline");
            }
            else if (Shortfall(gate, comparison, greater) is { } shortfall)
            {
                failures.Add(shortfall);
            }
        }

        return new GateRow(metric, mean, baselineMean, comparison, greater, gate is null ? null : Requirement(gate, greater), failures.Count == 0, failures.Count == 0 ? null : string.Join("; ", failures));
    }

    /// <summary>The gate's requirement in words: bounds and change in the better direction.</summary>
    public static string Requirement(ReleaseGate gate, bool greaterIsBetter)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var parts = new List<string>();
        if (gate.Min is not null || gate.Max is not null)
        {
            parts.Add(gate.Bounds);
        }

        var direction = greaterIsBetter ? "up" : "down";
        if (gate.MinAbsoluteChange is { } absolute)
        {
            parts.Add(absolute == 0 ? "no worse than baseline" : absolute > 0 ? $"{direction} by >= {F(absolute)}" : $"worse by at most {F(-absolute)}");
        }

        if (gate.MinRelativeChange is { } relative)
        {
            parts.Add(relative == 0 ? "no worse than baseline" : relative > 0 ? $"{direction} by >= {F(relative * 100)}%" : $"worse by at most {F(-relative * 100)}%");
        }

        return string.Join(", ", parts.Distinct(StringComparer.Ordinal));
    }

    private static string? Shortfall(ReleaseGate gate, MetricComparison comparison, bool greater)
    {
        var bar = gate.ChangeBar(comparison.Baseline)!.Value;
        // The difference in the better direction, and the top of its interval.
        var better = greater ? comparison.Difference : -comparison.Difference;
        var top = greater ? comparison.High : -comparison.Low;
        if (top >= bar)
        {
            return null;
        }

        if (comparison.McNemarP is { } p && bar <= 0 && p >= 1 - comparison.Confidence)
        {
            return null; // the interval is short, but McNemar does not find the pass/fail change significant
        }

        var interval = $"{F(comparison.Low)} to {F(comparison.High)}";
        return bar == 0
            ? $"worse than the baseline by {F(-better)} ({comparison.Confidence:P0} interval of the difference {interval} excludes 0{McNemar(comparison)})"
            : $"changes by {F(better)} in the better direction, short of the required {F(bar)} ({comparison.Confidence:P0} interval {interval}{McNemar(comparison)})";
    }

    private static string McNemar(MetricComparison comparison) =>
        comparison.McNemarP is { } p ? $"; McNemar p = {p.ToString("0.####", CultureInfo.InvariantCulture)}" : "";

    private static MetricComparison? Compare(string metric, EvaluationRun candidate, EvaluationRun baseline, int resamples, int seed, double confidence)
    {
        var baselineValues = baseline.Examples.Where(e => e.Metrics.ContainsKey(metric)).ToDictionary(e => e.Id, e => e.Metrics[metric], StringComparer.Ordinal);
        var pairs = candidate.Examples
            .Where(e => e.Metrics.ContainsKey(metric) && baselineValues.ContainsKey(e.Id))
            .Select(e => (Candidate: e.Metrics[metric], Baseline: baselineValues[e.Id]))
            .ToList();
        return pairs.Count == 0
            ? null
            : PairedComparison.Compare(metric, [.. pairs.Select(p => p.Candidate)], [.. pairs.Select(p => p.Baseline)], EvalMetrics.PassFail.Contains(metric), resamples, seed, confidence);
    }

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
