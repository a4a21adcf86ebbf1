using System.Text.Json;
using LlmOps.Drift;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Drift;

/// <summary>Every statistic against values SciPy, NumPy and scikit-learn computed (TestVectors/generate.py).</summary>
public sealed class DriftStatisticsTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("tests", "LlmOps.Tests", "Drift", "TestVectors", "drift-vectors.json"))).RootElement;

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    private static Dictionary<string, long> Counts(JsonElement map) => map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    public static TheoryData<string> Numeric() => [.. Vectors.GetProperty("numeric").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> Categorical() => [.. Vectors.GetProperty("categorical").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    private static JsonElement Case(string group, string name) => Vectors.GetProperty(group).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Theory]
    [MemberData(nameof(Numeric))]
    public void NumericTests_MatchScipy(string name)
    {
        var c = Case("numeric", name);
        var reference = Doubles(c.GetProperty("reference"));
        var current = Doubles(c.GetProperty("current"));
        var (d, p) = DriftStatistics.KolmogorovSmirnov(reference, current);
        Assert.Equal(c.GetProperty("ks_statistic").GetDouble(), d, 10);
        Assert.Equal(c.GetProperty("ks_pvalue_asymptotic").GetDouble(), p, 9);
        Assert.Equal(c.GetProperty("wasserstein").GetDouble(), DriftStatistics.Wasserstein(reference, current), 9);
        Assert.Equal(c.GetProperty("wasserstein_normalized").GetDouble(), DriftStatistics.NormalizedWasserstein(reference, current), 9);
        Assert.Equal(c.GetProperty("psi").GetDouble(), DriftStatistics.PopulationStabilityIndex(reference, current), 9);
    }

    [Theory]
    [MemberData(nameof(Categorical))]
    public void CategoricalTests_MatchScipy(string name)
    {
        var c = Case("categorical", name);
        var (chi, p) = DriftStatistics.ChiSquare(Counts(c.GetProperty("reference")), Counts(c.GetProperty("current")));
        Assert.Equal(c.GetProperty("chi2_statistic").GetDouble(), chi, 9);
        Assert.Equal(c.GetProperty("chi2_pvalue").GetDouble(), p, 9);
        Assert.Equal(c.GetProperty("jensen_shannon").GetDouble(), DriftStatistics.JensenShannon(Counts(c.GetProperty("reference")), Counts(c.GetProperty("current"))), 9);
    }

    [Fact]
    public void RocAuc_MatchesScikitLearn_WithTies()
    {
        foreach (var c in Vectors.GetProperty("auc").EnumerateArray())
        {
            var auc = DriftStatistics.RocAuc(Doubles(c.GetProperty("scores")), [.. c.GetProperty("labels").EnumerateArray().Select(l => l.GetInt32())]);
            Assert.Equal(c.GetProperty("auc").GetDouble(), auc, 12);
        }
    }

    [Fact]
    public void Mmd_UnbiasedEstimateWithMedianBandwidth_MatchesNumpy_AndPermutationPValueSeparates()
    {
        var c = Vectors.GetProperty("mmd")[0];
        float[][] Rows(JsonElement m) => [.. m.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];
        var (mmd2, _, bandwidth) = MaximumMeanDiscrepancy.Test(Rows(c.GetProperty("x")), Rows(c.GetProperty("y")), permutations: 10);
        Assert.Equal(c.GetProperty("median_distance").GetDouble(), bandwidth, 5);
        Assert.Equal(c.GetProperty("mmd2_unbiased").GetDouble(), mmd2, 5);

        var random = new Random(3);
        float[][] Sample(int n, float shift) => [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 8).Select(d => (float)(Normal(random) + (d == 0 ? shift : 0))).ToArray())];
        Assert.True(MaximumMeanDiscrepancy.Test(Sample(80, 0), Sample(80, 1.5f), 200).PValue < 0.01);
        Assert.True(MaximumMeanDiscrepancy.Test(Sample(80, 0), Sample(80, 0), 200).PValue > 0.01);
        Assert.InRange(DomainClassifier.RocAuc(Sample(200, 0), Sample(200, 2f)), 0.8, 1.0);
        Assert.InRange(DomainClassifier.RocAuc(Sample(200, 0), Sample(200, 0)), 0.3, 0.7);
    }

    [Fact]
    public void KolmogorovSurvival_KnownValues()
    {
        Assert.Equal(1.0, DriftStatistics.KolmogorovSurvival(0), 12);
        Assert.Equal(0.27, DriftStatistics.KolmogorovSurvival(1.0), 2);
        Assert.Equal(0.05, DriftStatistics.KolmogorovSurvival(1.3581), 4);
        Assert.Equal(1.0, DriftStatistics.KolmogorovSurvival(0.1), 9);
    }

    internal static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
