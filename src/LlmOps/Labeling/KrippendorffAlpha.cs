using LlmOps.Errors;
using LlmOps.Lifecycle;

namespace LlmOps.Labeling;

/// <summary>
/// Krippendorff's alpha, 1 - D_o / D_e, with missing labels allowed (Krippendorff 2011, "Computing Krippendorff's
/// Alpha-Reliability"). Only items with two or more labels are pairable. Observed disagreement is summed pair by pair
/// within each item, weighted 1 / (m_u - 1); expected disagreement comes from the pooled values (closed forms for the
/// nominal and interval metrics, all value pairs for ordinal and ratio). Null when undefined: no pairable item, or no
/// variation at all (every pairable label the same).
/// </summary>
public static class KrippendorffAlpha
{
    /// <summary>Distinct values beyond which only the interval metric (which needs no value pairs) is computed.</summary>
    public const int MaxDistinctValues = 4096;

    public static double? Compute(LabelMatrix labels, AlphaMetric metric)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Compute(Codes.Of(labels, metric), metric, null);
    }

    /// <summary>
    /// A percentile interval for alpha from <paramref name="resamples"/> bootstrap resamples of the pairable items
    /// (seeded, so the same labels give the same interval); null when alpha is undefined on the data.
    /// </summary>
    public static (double Low, double High)? Bootstrap(LabelMatrix labels, AlphaMetric metric, int resamples = 1000, int seed = 20261123, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(level, 1);
        var codes = Codes.Of(labels, metric);
        if (Compute(codes, metric, null) is null)
        {
            return null;
        }

        var pairable = Enumerable.Range(0, labels.ItemCount).Where(i => labels.ValuesOf(i).Length >= 2).ToArray();
        var random = new Random(seed);
        var weights = new int[labels.ItemCount];
        var alphas = new List<double>(resamples);
        for (var r = 0; r < resamples; r++)
        {
            Array.Clear(weights);
            for (var i = 0; i < pairable.Length; i++)
            {
                weights[pairable[random.Next(pairable.Length)]]++;
            }

            if (Compute(codes, metric, weights) is { } alpha)
            {
                alphas.Add(alpha);
            }
        }

        alphas.Sort();
        var tail = (1 - level) / 2;
        return (Quantile(alphas, tail), Quantile(alphas, 1 - tail));
    }

    private static double Quantile(List<double> sorted, double p)
    {
        var position = p * (sorted.Count - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }

    /// <summary>Above this many distinct values the observed disagreement calls the difference function per pair instead of a table.</summary>
    private const int MaxDistanceTable = 512;

    /// <param name="weights">How many times each item counts (a bootstrap resample), or null for once each.</param>
    private static double? Compute(Codes codes, AlphaMetric metric, int[]? weights)
    {
        var labels = codes.Labels;
        var k = codes.Values.Length;
        var pooled = new double[k];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var unit = codes.Of(item);
            var w = weights is null ? 1 : weights[item];
            if (unit.Length < 2 || w == 0)
            {
                continue;
            }

            foreach (var code in unit)
            {
                pooled[code] += w;
            }
        }

        double n = 0;
        foreach (var count in pooled)
        {
            n += count;
        }

        if (n <= 1)
        {
            return null;
        }

        var distance = Distance(metric, codes.Values, pooled);
        var observed = metric == AlphaMetric.Nominal ? NominalObserved(codes, weights) : Observed(codes, weights, distance, k);
        var expected = Expected(metric, codes.Values, pooled, n, distance);
        return expected <= 0 ? null : 1 - ((n - 1) * observed / expected);
    }

    /// <summary>Σ over units of (ordered pairs that differ) / (m_u - 1): m² - Σ n_uc² pairs differ in a unit.</summary>
    private static double NominalObserved(Codes codes, int[]? weights)
    {
        var labels = codes.Labels;
        var counts = new int[codes.Values.Length];
        // Differing pairs summed per m as integers (at most one label per annotator), divided once at the end.
        var differingByM = new long[labels.AnnotatorCount + 1];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var unit = codes.Of(item);
            var w = weights is null ? 1 : weights[item];
            if (unit.Length < 2 || w == 0)
            {
                continue;
            }

            var m = unit.Length;
            differingByM[m] += w * (((long)m * m) - CategoryCounts.SumOfSquares(unit, counts));
        }

        double observed = 0;
        for (var m = 2; m < differingByM.Length; m++)
        {
            observed += (double)differingByM[m] / (m - 1);
        }

        return observed;
    }

    /// <summary>Σ over units of Σ over ordered pairs of δ² / (m_u - 1), the differences read from a table when the values are few.</summary>
    private static double Observed(Codes codes, int[]? weights, Func<int, int, double> distance, int k)
    {
        double[]? table = null;
        if (k <= MaxDistanceTable)
        {
            table = new double[k * k];
            for (var c = 0; c < k; c++)
            {
                for (var d = 0; d < k; d++)
                {
                    table[(c * k) + d] = distance(c, d);
                }
            }
        }

        var labels = codes.Labels;
        double observed = 0;
        for (var item = 0; item < labels.ItemCount; item++)
        {
            var unit = codes.Of(item);
            var w = weights is null ? 1 : weights[item];
            if (unit.Length < 2 || w == 0)
            {
                continue;
            }

            double sum = 0;
            for (var i = 0; i < unit.Length; i++)
            {
                for (var j = i + 1; j < unit.Length; j++)
                {
                    sum += table is null ? distance(unit[i], unit[j]) : table[(unit[i] * k) + unit[j]];
                }
            }

            // Each unordered pair stands for two ordered ones.
            observed += w * 2 * sum / (unit.Length - 1);
        }

        return observed;
    }

    /// <summary>Sum over ordered pairs of pooled values of n_c n_k δ²(c, k).</summary>
    private static double Expected(AlphaMetric metric, double[] values, double[] pooled, double n, Func<int, int, double> distance)
    {
        switch (metric)
        {
            case AlphaMetric.Nominal:
                return (n * n) - pooled.Sum(c => c * c);
            case AlphaMetric.Interval:
                double sum = 0, squares = 0;
                for (var c = 0; c < values.Length; c++)
                {
                    sum += pooled[c] * values[c];
                    squares += pooled[c] * values[c] * values[c];
                }

                return 2 * ((n * squares) - (sum * sum));
            default:
                double total = 0;
                for (var c = 0; c < values.Length; c++)
                {
                    for (var k = c + 1; k < values.Length; k++)
                    {
                        total += 2 * pooled[c] * pooled[k] * distance(c, k);
                    }
                }

                return total;
        }
    }

    private static Func<int, int, double> Distance(AlphaMetric metric, double[] values, double[] pooled)
    {
        switch (metric)
        {
            case AlphaMetric.Nominal:
                return (c, k) => c == k ? 0 : 1;
            case AlphaMetric.Interval:
                return (c, k) => (values[c] - values[k]) * (values[c] - values[k]);
            case AlphaMetric.Ratio:
                return (c, k) => values[c] + values[k] == 0 ? 0 : Math.Pow((values[c] - values[k]) / (values[c] + values[k]), 2);
            default:
                // Ordinal: (sum of the pooled counts from c to k - (n_c + n_k) / 2)², from running totals.
                var through = new double[values.Length + 1];
                for (var c = 0; c < values.Length; c++)
                {
                    through[c + 1] = through[c] + pooled[c];
                }

                return (c, k) =>
                {
                    var (low, high) = c < k ? (c, k) : (k, c);
                    var between = through[high + 1] - through[low] - ((pooled[c] + pooled[k]) / 2);
                    return between * between;
                };
        }
    }

    /// <summary>Each label as an index into the sorted distinct values (the categories themselves for categorical fields).</summary>
    private sealed class Codes
    {
        private readonly int[]? _codes;
        private readonly int[]? _offsets;

        private Codes(LabelMatrix labels, double[] values, int[]? codes, int[]? offsets)
        {
            Labels = labels;
            Values = values;
            _codes = codes;
            _offsets = offsets;
        }

        public LabelMatrix Labels { get; }

        /// <summary>The value of each code, ascending.</summary>
        public double[] Values { get; }

        public ReadOnlySpan<int> Of(int item) => _codes is null ? Labels.CategoriesOf(item) : _codes.AsSpan(_offsets![item], _offsets[item + 1] - _offsets[item]);

        public static Codes Of(LabelMatrix labels, AlphaMetric metric)
        {
            if (labels.IsCategorical)
            {
                return new Codes(labels, [.. Enumerable.Range(0, labels.Categories).Select(c => (double)c)], null, null);
            }

            var distinct = new SortedSet<double>();
            for (var i = 0; i < labels.ItemCount; i++)
            {
                foreach (var v in labels.ValuesOf(i))
                {
                    distinct.Add(v);
                }
            }

            if (distinct.Count > MaxDistinctValues && metric != AlphaMetric.Interval)
            {
                throw LlmOpsException.Invalid($"{distinct.Count} distinct numeric values: the {metric.ToString().ToLowerInvariant()} metric is computed for at most {MaxDistinctValues}; use interval");
            }

            double[] values = [.. distinct];
            var offsets = new int[labels.ItemCount + 1];
            var codes = new int[labels.LabelCount];
            for (var i = 0; i < labels.ItemCount; i++)
            {
                var row = labels.ValuesOf(i);
                offsets[i + 1] = offsets[i] + row.Length;
                for (var j = 0; j < row.Length; j++)
                {
                    codes[offsets[i] + j] = Array.BinarySearch(values, row[j]);
                }
            }

            return new Codes(labels, values, codes, offsets);
        }
    }
}
