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
        // Each label as one code, annotator * k + category; a pair of labels on an item counts once in a
        // (annotators * k)² table, in the order the item lists them (no branch, one increment); the table folds into
        // each pair's confusion matrix at the end. Too many annotators for the table: a matrix per pair instead.
        var width = annotators * k;
        var table = (long)width * width <= 1 << 20 ? new long[width * width] : null;
        var sparse = table is null ? new Dictionary<long, long[]>() : null;
        var codes = new int[table is null ? 0 : annotators]; // an item has at most one label per annotator
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var who = labels.AnnotatorsOf(item);
            var values = labels.CategoriesOf(item)[..who.Length];
            if (table is not null)
            {
                for (var i = 0; i < who.Length; i++)
                {
                    codes[i] = (who[i] * k) + values[i];
                }

                for (var i = 0; i < who.Length; i++)
                {
                    var row = codes[i] * width;
                    for (var j = i + 1; j < who.Length; j++)
                    {
                        table[row + codes[j]]++;
                    }
                }

                continue;
            }

            for (var i = 0; i < who.Length; i++)
            {
                for (var j = i + 1; j < who.Length; j++)
                {
                    var (a, b, x, y) = who[i] < who[j] ? (who[i], who[j], values[i], values[j]) : (who[j], who[i], values[j], values[i]);
                    var key = ((long)a * annotators) + b;
                    if (!sparse!.TryGetValue(key, out var matrix))
                    {
                        sparse[key] = matrix = new long[k * k];
                    }

                    matrix[(x * k) + y]++;
                }
            }
        }

        if (table is not null)
        {
            sparse = [];
            for (var a = 0; a < annotators; a++)
            {
                for (var b = a + 1; b < annotators; b++)
                {
                    var matrix = new long[k * k];
                    long total = 0;
                    for (var x = 0; x < k; x++)
                    {
                        for (var y = 0; y < k; y++)
                        {
                            var count = table[(((a * k) + x) * width) + (b * k) + y] + table[(((b * k) + y) * width) + (a * k) + x];
                            matrix[(x * k) + y] = count;
                            total += count;
                        }
                    }

                    if (total > 0)
                    {
                        sparse[((long)a * annotators) + b] = matrix;
                    }
                }
            }
        }

        return [.. sparse!.OrderBy(p => p.Key).Select(p =>
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
