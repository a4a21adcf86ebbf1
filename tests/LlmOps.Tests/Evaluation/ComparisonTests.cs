using System.Text.Json;
using LlmOps.Evaluation;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Evaluation;

/// <summary>
/// Paired comparison and the gate decision: McNemar against statsmodels, bootstrap intervals against SciPy's
/// (TestVectors/generate.py), and the planted regression against noise of the same size.
/// </summary>
public sealed class ComparisonTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("tests", "LlmOps.Tests", "Evaluation", "TestVectors", "comparison-vectors.json"))).RootElement;

    [Fact]
    public void McNemar_MatchesStatsmodels_ExactAndChiSquare()
    {
        foreach (var case_ in Vectors.GetProperty("mcnemar").EnumerateArray())
        {
            var p = PairedComparison.McNemar(case_.GetProperty("b").GetInt32(), case_.GetProperty("c").GetInt32());
            Assert.Equal(case_.GetProperty("p").GetDouble(), p, 9);
        }
    }

    [Fact]
    public void BootstrapInterval_AgreesWithScipyWithinMonteCarloError()
    {
        foreach (var case_ in Vectors.GetProperty("bootstrap").EnumerateArray())
        {
            var values = case_.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var (low, high) = PairedComparison.BootstrapInterval(values);
            // Two random streams of 10,000 resamples: the percentiles differ by a few hundredths of a standard error.
            var tolerance = 0.1 * case_.GetProperty("standard_error").GetDouble();
            Assert.InRange(low, case_.GetProperty("low").GetDouble() - tolerance, case_.GetProperty("low").GetDouble() + tolerance);
            Assert.InRange(high, case_.GetProperty("high").GetDouble() - tolerance, case_.GetProperty("high").GetDouble() + tolerance);
        }
    }

    [Fact]
    public void BootstrapInterval_SameSeed_SameIntervalEveryTime()
    {
        var values = Enumerable.Range(0, 200).Select(i => Math.Sin(i) * 0.3).ToArray();
        Assert.Equal(PairedComparison.BootstrapInterval(values), PairedComparison.BootstrapInterval(values));
        Assert.NotEqual(PairedComparison.BootstrapInterval(values, seed: 1), PairedComparison.BootstrapInterval(values, seed: 2));
    }

    [Fact]
    public void Decide_PlantedRegressionOfTwoPointsOn500_IsRefused()
    {
        // The baseline passes 400 of 500; the candidate fails 10 of those and gains none: -2 points, every change one way.
        var baseline = Run("b", i => i < 400);
        var candidate = Run("c", i => i is >= 10 and < 400);
        var row = Assert.Single(ComparisonGate.Decide([Gate()], candidate, baseline), r => r.Metric == EvalMetrics.ExactMatch);
        Assert.Equal(-0.02, row.Comparison!.Difference, 10);
        Assert.True(row.Comparison.High < 0, $"interval {row.Comparison.Low}..{row.Comparison.High}");
        Assert.Equal((0, 10), (row.Comparison.CandidateOnly, row.Comparison.BaselineOnly));
        Assert.False(row.Passed);
        Assert.Contains("excludes 0", row.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_NoiseOfTheSameSizeWithAnIntervalAcrossZero_IsNotRefused()
    {
        // The candidate loses 30 and wins 20: also -2 points, but the interval of the difference covers 0 (McNemar p 0.2).
        var baseline = Run("b", i => i < 400);
        var candidate = Run("c", i => (i is >= 30 and < 400) || (i is >= 400 and < 420));
        var row = Assert.Single(ComparisonGate.Decide([Gate()], candidate, baseline), r => r.Metric == EvalMetrics.ExactMatch);
        Assert.Equal(-0.02, row.Comparison!.Difference, 10);
        Assert.True(row.Comparison.Low < 0 && row.Comparison.High > 0, $"interval {row.Comparison.Low}..{row.Comparison.High}");
        Assert.True(row.Passed, row.Failure);
    }

    [Fact]
    public void Decide_RequiredImprovementNotReached_IsRefused_AndToleranceAllowsSmallLoss()
    {
        var baseline = Run("b", i => i < 400);
        var same = Run("c", i => i < 400);
        Assert.False(Assert.Single(ComparisonGate.Decide([Gate(absolute: 0.01)], same, baseline), r => r.Metric == EvalMetrics.ExactMatch).Passed);
        var slightlyWorse = Run("c", i => i is >= 10 and < 400);
        Assert.True(Assert.Single(ComparisonGate.Decide([Gate(absolute: -0.05)], slightlyWorse, baseline), r => r.Metric == EvalMetrics.ExactMatch).Passed);
        Assert.False(Assert.Single(ComparisonGate.Decide([Gate(relative: 0.05)], same, baseline), r => r.Metric == EvalMetrics.ExactMatch).Passed);
    }

    [Fact]
    public void Decide_LowerIsBetter_LatencyIncreaseIsTheRegression()
    {
        var baseline = Numeric("b", EvalMetrics.LatencyMs, i => 100 + (i % 7));
        var slower = Numeric("c", EvalMetrics.LatencyMs, i => 130 + (i % 7));
        var faster = Numeric("c", EvalMetrics.LatencyMs, i => 70 + (i % 7));
        ReleaseGate gate = new(EvalMetrics.LatencyMs, null, 1000, MinAbsoluteChange: 0);
        Assert.False(Assert.Single(ComparisonGate.Decide([gate], slower, baseline)).Passed);
        Assert.True(Assert.Single(ComparisonGate.Decide([gate], faster, baseline)).Passed);
        Assert.False(Assert.Single(ComparisonGate.Decide([gate with { Max = 50 }], faster, baseline)).Passed);
    }

    [Fact]
    public void Decide_NoBaseline_OnlyAbsoluteBounds_AndAnUnmeasuredGateFails()
    {
        var candidate = Run("c", i => i < 300);
        var rows = ComparisonGate.Decide([Gate(min: 0.7), new ReleaseGate("judge_relevance", 3, null)], candidate, null);
        Assert.False(rows.Single(r => r.Metric == EvalMetrics.ExactMatch).Passed); // 0.6 < 0.7
        Assert.Contains("not measured", rows.Single(r => r.Metric == "judge_relevance").Failure, StringComparison.Ordinal);
        Assert.True(ComparisonGate.Decide([Gate(min: 0.5)], candidate, null).Single(r => r.Metric == EvalMetrics.ExactMatch).Passed);
    }

    private static ReleaseGate Gate(double? min = null, double? absolute = 0, double? relative = null) =>
        new(EvalMetrics.ExactMatch, min, null, relative is null ? absolute : null, relative);

    private static EvaluationRun Run(string id, Func<int, bool> passes) =>
        Numeric(id, EvalMetrics.ExactMatch, i => passes(i) ? 1 : 0);

    private static EvaluationRun Numeric(string id, string metric, Func<int, double> value)
    {
        var examples = Enumerable.Range(0, 500).Select(i => new ExampleResult($"ex-{i:000}", "", [], null, new Dictionary<string, double> { [metric] = value(i) }, new Dictionary<string, string>())).ToList();
        return new EvaluationRun("run:" + id, "prompt:x/" + id, "m", "dataset:eval-x@1", examples, EvaluationRunner.Summarize(examples), []);
    }
}
