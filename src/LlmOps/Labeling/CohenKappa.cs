namespace LlmOps.Labeling;

/// <summary>
/// Cohen's kappa for every pair of annotators over the items both labeled, unweighted or with linear or quadratic
/// weights for ordinal categories: 1 - Σ w·O / Σ w·E with E from the pair's own marginals (as scikit-learn's
/// <c>cohen_kappa_score</c>). Null when undefined (no disagreement is possible by chance, e.g. one category).
/// </summary>
public static class CohenKappa
{
    /// <summary>One pair's kappa over <see cref="Items"/> shared items, and its confusion matrix (rows: annotator A).</summary>
    public sealed record Pair(int A, int B, int Items, double? Kappa, long[] Confusion);

    public static double? Compute(LabelMatrix labels, int a, int b, KappaWeights weights = KappaWeights.None) =>
        Pairwise(labels, weights).FirstOrDefault(p => (p.A, p.B) == (Math.Min(a, b), Math.Max(a, b)))?.Kappa;

    /// <summary>Every pair of annotators with at least one shared item, A before B.</summary>
    public static IReadOnlyList<Pair> Pairwise(LabelMatrix labels, KappaWeights weights = KappaWeights.None)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!labels.IsCategorical)
        {
            throw new ArgumentException("Cohen's kappa needs a categorical field", nameof(labels));
        }

        var k = labels.Categories;
        var annotators = labels.AnnotatorCount;
        var confusion = new Dictionary<long, long[]>();
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var who = labels.AnnotatorsOf(item);
            var values = labels.ValuesOf(item);
            for (var i = 0; i < who.Length; i++)
            {
                for (var j = i + 1; j < who.Length; j++)
                {
                    var (first, second, x, y) = who[i] < who[j] ? (who[i], who[j], values[i], values[j]) : (who[j], who[i], values[j], values[i]);
                    var key = ((long)first * annotators) + second;
                    if (!confusion.TryGetValue(key, out var matrix))
                    {
                        confusion[key] = matrix = new long[k * k];
                    }

                    matrix[((int)x * k) + (int)y]++;
                }
            }
        }

        return [.. confusion.OrderBy(p => p.Key).Select(p =>
        {
            var (a, b) = ((int)(p.Key / annotators), (int)(p.Key % annotators));
            var (items, kappa) = FromConfusion(p.Value, k, weights);
            return new Pair(a, b, items, kappa, p.Value);
        })];
    }

    /// <summary>Kappa from a k x k confusion matrix (rows: the first annotator).</summary>
    public static (int Items, double? Kappa) FromConfusion(long[] confusion, int k, KappaWeights weights)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var rows = new double[k];
        var columns = new double[k];
        double n = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                rows[i] += confusion[(i * k) + j];
                columns[j] += confusion[(i * k) + j];
                n += confusion[(i * k) + j];
            }
        }

        double observed = 0, expected = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var w = Weight(i, j, weights);
                observed += w * confusion[(i * k) + j];
                expected += w * rows[i] * columns[j] / n;
            }
        }

        return ((int)n, expected == 0 ? null : 1 - (observed / expected));
    }

    private static double Weight(int i, int j, KappaWeights weights) => weights switch
    {
        KappaWeights.Linear => Math.Abs(i - j),
        KappaWeights.Quadratic => (i - j) * (i - j),
        _ => i == j ? 0 : 1,
    };
}
