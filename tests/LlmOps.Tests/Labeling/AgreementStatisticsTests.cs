using System.Text.Json;
using LlmOps.Labeling;
using LlmOps.Tests.Infrastructure;
using LlmOps.Lifecycle;

namespace LlmOps.Tests.Labeling;

/// <summary>
/// Every agreement statistic against reference values (TestVectors/generate.py: scikit-learn's cohen_kappa_score,
/// statsmodels' fleiss_kappa, and plain loops from the definitions for alpha, AC1 and agreement with missing labels),
/// on data with missing labels, ties, skewed categories, a single category and perfect agreement.
/// </summary>
public sealed class AgreementStatisticsTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("tests", "LlmOps.Tests", "Labeling", "TestVectors", "agreement-vectors.json"))).RootElement;

    public static TheoryData<string> Cases() => [.. Vectors.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    private static JsonElement Case(string name) => Vectors.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static LabelMatrix Matrix(JsonElement c, bool numeric = false)
    {
        var units = c.GetProperty("units").EnumerateArray().ToList();
        var labels = units.SelectMany((u, item) => u.EnumerateObject().Select(p => (item, int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), (double)p.Value.GetInt32()))).ToList();
        return LabelMatrix.Create(units.Count, c.GetProperty("coders").GetInt32(), numeric ? 0 : c.GetProperty("categories").GetInt32(), labels);
    }

    private static void Same(JsonElement expected, double? actual)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(actual);
        }
        else
        {
            Assert.NotNull(actual);
            Assert.Equal(expected.GetDouble(), actual.Value, 10);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KrippendorffAlpha_EveryMetric_MatchesReference(string name)
    {
        var c = Case(name);
        var labels = Matrix(c);
        foreach (var metric in c.GetProperty("alpha").EnumerateObject())
        {
            var kind = Enum.Parse<AlphaMetric>(metric.Name, ignoreCase: true);
            Same(metric.Value, KrippendorffAlpha.Compute(labels, kind));
            // The same numbers as a numeric field (distinct values as codes) give the same alpha.
            Same(metric.Value, KrippendorffAlpha.Compute(Matrix(c, numeric: true), kind));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CategoricalAgreement_MatchesStatsmodelsAndReference(string name)
    {
        var c = Case(name);
        var agreement = CategoricalAgreement.Compute(Matrix(c));
        Same(c.GetProperty("percent_agreement"), agreement.PercentAgreement);
        Same(c.GetProperty("fleiss_general"), agreement.FleissKappa);
        Same(c.GetProperty("gwet_ac1"), agreement.GwetAc1);
        Same(c.GetProperty("alpha").GetProperty("nominal"), agreement.NominalAlpha);
        if (c.TryGetProperty("fleiss_statsmodels", out var statsmodels))
        {
            Same(statsmodels, agreement.FleissKappa);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CohenKappa_EveryPairAndWeighting_MatchesScikitLearn(string name)
    {
        var c = Case(name);
        var labels = Matrix(c);
        var expected = c.GetProperty("cohen_kappa").EnumerateArray().ToList();
        foreach (var (weights, key) in new[] { (KappaWeights.None, "none"), (KappaWeights.Linear, "linear"), (KappaWeights.Quadratic, "quadratic") })
        {
            var pairs = CohenKappa.Pairwise(labels, weights);
            Assert.Equal(expected.Count, pairs.Count);
            foreach (var e in expected)
            {
                var pair = Assert.Single(pairs, p => p.A == e.GetProperty("a").GetInt32() && p.B == e.GetProperty("b").GetInt32());
                Same(e.GetProperty(key), pair.Kappa);
                Same(e.GetProperty(key), CohenKappa.Compute(labels, pair.B, pair.A, weights));
            }
        }
    }

    [Fact]
    public void CohenKappa_ManyAnnotators_SparsePathGivesTheSameKappa()
    {
        // 1,100 annotators x 3 categories is past the dense table: the per-pair path must agree with it.
        var c = Case("ties-2x3");
        var small = Matrix(c);
        var units = c.GetProperty("units").GetArrayLength();
        var labels = Enumerable.Range(0, units).SelectMany(i =>
        {
            var who = small.AnnotatorsOf(i).ToArray();
            var values = small.ValuesOf(i).ToArray();
            return who.Select((a, j) => (i, a == 0 ? 1050 : 3, values[j]));
        }).ToList();
        var wide = LabelMatrix.Create(units, 1100, 3, labels);

        var pair = Assert.Single(CohenKappa.Pairwise(wide, KappaWeights.Quadratic));

        Assert.Equal((3, 1050), (pair.A, pair.B));
        // Annotator 3 here is annotator 1 of the small matrix, so the confusion is transposed; kappa is symmetric.
        Assert.Equal(CohenKappa.Compute(small, 0, 1, KappaWeights.Quadratic)!.Value, pair.Kappa!.Value, 12);
    }

    [Fact]
    public void KrippendorffAlpha_PublishedExample_MatchesKrippendorff2011()
    {
        // "Computing Krippendorff's Alpha-Reliability" (2011), section C: 4 coders, 12 units, values 1-5.
        int?[][] coders =
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
            [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
        ];
        var labels = LabelMatrix.Create(12, 4, 0, [.. coders.SelectMany((row, coder) => row.Select((v, unit) => (unit, coder, v)).Where(x => x.v is not null).Select(x => (x.unit, x.coder, (double)x.v!.Value)))]);
        Assert.Equal(0.743, KrippendorffAlpha.Compute(labels, AlphaMetric.Nominal)!.Value, 3);
        Assert.Equal(0.815, KrippendorffAlpha.Compute(labels, AlphaMetric.Ordinal)!.Value, 3);
        Assert.Equal(0.849, KrippendorffAlpha.Compute(labels, AlphaMetric.Interval)!.Value, 3);
        Assert.Equal(0.797, KrippendorffAlpha.Compute(labels, AlphaMetric.Ratio)!.Value, 3);
    }

    [Fact]
    public void KrippendorffAlpha_Bootstrap_IsSeededAndBracketsTheEstimate()
    {
        var c = Case("missing-5x3");
        var labels = Matrix(c);
        var alpha = KrippendorffAlpha.Compute(labels, AlphaMetric.Nominal)!.Value;
        var interval = KrippendorffAlpha.Bootstrap(labels, AlphaMetric.Nominal, resamples: 500, seed: 7)!.Value;
        Assert.Equal(interval, KrippendorffAlpha.Bootstrap(labels, AlphaMetric.Nominal, resamples: 500, seed: 7));
        Assert.NotEqual(interval, KrippendorffAlpha.Bootstrap(labels, AlphaMetric.Nominal, resamples: 500, seed: 8));
        Assert.InRange(alpha, interval.Low, interval.High);
        Assert.True(interval.High - interval.Low is > 0.05 and < 0.5, $"{interval}");

        // Four times the items (the same labels repeated) narrows the interval about twofold.
        var units = c.GetProperty("units").GetArrayLength();
        var repeated = LabelMatrix.Create(units * 4, 5, 3, [.. Enumerable.Range(0, 4).SelectMany(copy => Enumerable.Range(0, units).SelectMany(i =>
        {
            var who = labels.AnnotatorsOf(i).ToArray();
            var values = labels.ValuesOf(i).ToArray();
            return who.Select((a, j) => ((copy * units) + i, a, values[j]));
        }))]);
        var narrow = KrippendorffAlpha.Bootstrap(repeated, AlphaMetric.Nominal, resamples: 500, seed: 7)!.Value;
        Assert.InRange((narrow.High - narrow.Low) / (interval.High - interval.Low), 0.35, 0.7);
        Assert.Null(KrippendorffAlpha.Bootstrap(Matrix(Case("single-category-3x3")), AlphaMetric.Nominal));
    }

    [Fact]
    public void LabelMatrix_SameAnnotatorTwiceOrValueOutsideCategories_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => LabelMatrix.Create(2, 2, 3, [(0, 0, 1), (0, 0, 2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelMatrix.Create(2, 2, 3, [(0, 0, 3)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelMatrix.Create(2, 2, 3, [(2, 0, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelMatrix.Create(2, 2, 0, [(0, 0, double.NaN)]));
    }
}
