using LlmOps.Drift;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Drift;

public sealed class DriftAnalyzerTests
{
    private static readonly string[] Channels = ["email", "chat", "phone"];

    private static DriftSample Sample(Random random, int rows, double shift, double[] channelShares)
    {
        var sample = new DriftSample { Rows = rows };
        sample.Numeric["priority"] = [.. Enumerable.Range(0, rows).Select(_ => 3 + DriftStatisticsTests.Normal(random) + shift)];
        sample.Numeric["age_days"] = [.. Enumerable.Range(0, rows).Select(_ => Math.Exp(DriftStatisticsTests.Normal(random) * 0.5) * (1 + shift))];
        sample.Categorical["channel"] = [.. Enumerable.Range(0, rows).Select(_ => Pick(random, channelShares))];
        sample.Categorical["plan"] = [.. Enumerable.Range(0, rows).Select(_ => random.NextDouble() < 0.3 + (shift / 4) ? "pro" : "free")];
        return sample;
    }

    private static string Pick(Random random, double[] shares)
    {
        var u = random.NextDouble();
        for (var i = 0; i < shares.Length; i++)
        {
            u -= shares[i];
            if (u < 0)
            {
                return Channels[i];
            }
        }

        return Channels[^1];
    }

    [Theory]
    [InlineData(500)]
    [InlineData(2000)]
    public void ShiftedData_RaisesAlerts_AndDatasetDrift(int rows)
    {
        var random = new Random(1);
        var checks = DriftAnalyzer.Analyze(Sample(random, rows, 0, [0.5, 0.3, 0.2]), Sample(random, rows, 0.6, [0.2, 0.3, 0.5]), DriftSettings.Default);
        Assert.All(checks, c => Assert.Equal(DriftStatus.Alert, c.Status));
        Assert.Equal(rows <= DriftAnalyzer.SmallSampleRows ? "ks" : "wasserstein", checks.Single(c => c.Signal == "column:priority").Test);
        Assert.Equal(rows <= DriftAnalyzer.SmallSampleRows ? "chi_square" : "jensen_shannon", checks.Single(c => c.Signal == "column:channel").Test);
        Assert.True(DriftAnalyzer.DatasetDrift(checks));
        Assert.NotNull(checks.Single(c => c.Signal == "column:channel").Histogram);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(2000)]
    public void SameDistribution_100Seeds_FalseAlarmsAtMost5Percent(int rows)
    {
        var alarms = 0;
        var columnAlerts = 0;
        var bySignal = new Dictionary<string, int>();
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(1000 + seed);
            var checks = DriftAnalyzer.Analyze(Sample(random, rows, 0, [0.5, 0.3, 0.2]), Sample(random, rows, 0, [0.5, 0.3, 0.2]), DriftSettings.Default);
            alarms += DriftAnalyzer.DatasetDrift(checks) ? 1 : 0;
            columnAlerts += checks.Count(c => c.Status == DriftStatus.Alert);
            foreach (var c in checks.Where(c => c.Status == DriftStatus.Alert))
            {
                bySignal[c.Signal] = bySignal.GetValueOrDefault(c.Signal) + 1;
            }
        }

        Assert.True(alarms <= 5, $"{alarms} of 100 same-distribution pairs raised dataset drift ({string.Join(", ", bySignal)})");
        Assert.True(columnAlerts <= 0.08 * 400, $"{columnAlerts} of 400 column checks alerted");
    }

    [Fact]
    public void TooFewValues_Insufficient_WithTheMinimumInTheMessage_AndLifecycleThresholdsApply()
    {
        var random = new Random(2);
        var small = DriftAnalyzer.Numeric("column:x", "numeric", [1, 2, 3], [.. Enumerable.Range(0, 50).Select(i => (double)i)], null);
        Assert.Equal(DriftStatus.Insufficient, small.Status);
        Assert.Equal("needs at least 30 reference and 30 current values; has 3 and 50", small.Message);

        var reference = Enumerable.Range(0, 200).Select(_ => DriftStatisticsTests.Normal(random)).ToList();
        var current = Enumerable.Range(0, 200).Select(_ => DriftStatisticsTests.Normal(random) + 0.15).ToList();
        var strict = DriftAnalyzer.Numeric("column:x", "numeric", reference, current, new DriftSignalSettings("column:x", "psi", 0.0001, 0.0002, "retrain"));
        Assert.Equal(("psi", DriftStatus.Alert, "retrain"), (strict.Test, strict.Status, strict.Action));
        var lax = DriftAnalyzer.Numeric("column:x", "numeric", reference, current, new DriftSignalSettings("column:x", "ks", 1e-9, 1e-12, null));
        Assert.Equal(DriftStatus.Ok, lax.Status);
        ExpectError.Throws(ErrorCode.Invalid, () => DriftAnalyzer.Numeric("column:x", "numeric", reference, current, new DriftSignalSettings("column:x", "chi_square", null, null, null)));
    }

    [Fact]
    public void Embeddings_ShiftedTopic_AlertsOnCentroidMmdAndClassifier_SameTopicDoesNot()
    {
        var random = new Random(4);
        List<float[]> Vectors(int n, float shift) => [.. Enumerable.Range(0, n).Select(_ =>
        {
            var v = Enumerable.Range(0, 16).Select(d => (float)DriftStatisticsTests.Normal(random) + (d < 4 ? shift : 0)).ToArray();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            return v.Select(x => x / norm).ToArray();
        })];
        var shifted = DriftAnalyzer.Embeddings(Vectors(150, 0), Vectors(150, 1.5f), DriftSettings.Default);
        Assert.All(shifted, c => Assert.Equal(DriftStatus.Alert, c.Status));
        var same = DriftAnalyzer.Embeddings(Vectors(150, 0), Vectors(150, 0), DriftSettings.Default);
        Assert.Equal(DriftStatus.Ok, same.Single(c => c.Signal == "embeddings.mmd").Status);
        Assert.NotEqual(DriftStatus.Alert, same.Single(c => c.Signal == "embeddings.domain_classifier").Status);
        Assert.Equal(DriftStatus.Insufficient, DriftAnalyzer.Embeddings(Vectors(5, 0), Vectors(150, 0), DriftSettings.Default)[0].Status);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(2000)]
    public void ShiftAtHugeScale_IsStillAnAlert_ScaleDoesNotMatter(int rows)
    {
        var random = new Random(5);
        foreach (var scale in new[] { 1.0, 1e160, 1e300, 1e-300 })
        {
            var reference = Enumerable.Range(0, rows).Select(_ => DriftStatisticsTests.Normal(random) * scale).ToList();
            var current = Enumerable.Range(0, rows).Select(_ => (DriftStatisticsTests.Normal(random) + 2) * scale).ToList();
            var check = DriftAnalyzer.Numeric("column:x", "numeric", reference, current, null);
            Assert.True(check.Status == DriftStatus.Alert, $"scale {scale}: {check.Message}");
            Assert.True(double.IsFinite(check.Value), $"scale {scale}: {check.Value}");
        }
    }

    [Fact]
    public void StandardDeviation_OfHugeValues_DoesNotOverflow()
    {
        Assert.Equal(1e200, DriftStatistics.StandardDeviation([-1e200, 1e200]), 1e188);
        Assert.Equal(0.5, DriftStatistics.StandardDeviation([1.0, 2.0]), 12);
    }

    [Fact]
    public void UndefinedStatistic_IsNeverOk_NonFiniteValuesAreLeftOut()
    {
        var scores = Enumerable.Repeat(0.8, 40).Append(double.NaN).ToList();
        var check = DriftAnalyzer.QualityDrop("quality.answer", scores, scores, null);
        Assert.Equal(DriftStatus.Undefined, check.Status);
        Assert.Contains("NaN", check.Message, StringComparison.Ordinal);

        var withNaN = Enumerable.Range(0, 40).Select(i => i % 10 == 0 ? double.NaN : i).ToList();
        var column = DriftAnalyzer.Numeric("column:x", "numeric", withNaN, [.. Enumerable.Range(0, 40).Select(i => (double)i)], null);
        Assert.Equal(DriftStatus.Ok, column.Status);
        Assert.Equal(36, column.ReferenceSize);
    }

    [Fact]
    public void ConfiguredSignalWithNoValues_GetsAnInsufficientRow()
    {
        var settings = new DriftSettings(null, DriftReference.Previous, null, null, [new DriftSignalSettings("column:gone", null, null, null, "retrain")], TimeSpan.FromHours(1));
        var checks = DriftAnalyzer.Analyze(new DriftSample(), new DriftSample(), settings);
        var gone = Assert.Single(checks, c => c.Signal == "column:gone");
        Assert.Equal(DriftStatus.Insufficient, gone.Status);
        Assert.Equal("retrain", gone.Action);
    }

    [Fact]
    public void ChiSquare_TinyPValue_IsNotRoundedToZero()
    {
        var reference = new Dictionary<string, long> { ["a"] = 900, ["b"] = 100 };
        var current = new Dictionary<string, long> { ["a"] = 600, ["b"] = 400 };
        var (statistic, p) = DriftStatistics.ChiSquare(reference, current);
        Assert.Equal(240, statistic, 9);
        // chi2.sf(240, df=1) = erfc(sqrt(120)), from Python's math.erfc: 3.9328331793485035e-54.
        Assert.True(Math.Abs(p - 3.9328331793485035e-54) / 3.9328331793485035e-54 < 1e-9, $"p = {p}");
    }
}
