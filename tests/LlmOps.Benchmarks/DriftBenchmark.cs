using System.Diagnostics;
using LlmOps.Drift;

namespace LlmOps.Benchmarks;

/// <summary>
/// KS, PSI and Wasserstein over 1M rows x 20 numeric columns, and MMD with its permutation test over n x 1536
/// embeddings, each against a straightforward single-threaded implementation run in the same process.
/// </summary>
internal static class DriftBenchmark
{
    public static IReadOnlyList<(string Metric, string Value)> Run(int rows, int columns, int vectors, int dimensions, int permutations)
    {
        var results = new List<(string, string)>();
        var random = new Random(9);
        var reference = Enumerable.Range(0, columns).Select(_ => Enumerable.Range(0, rows).Select(_ => Normal(random)).ToArray()).ToArray();
        var current = Enumerable.Range(0, columns).Select(c => Enumerable.Range(0, rows).Select(_ => Normal(random) + (c * 0.01)).ToArray()).ToArray();

        // Straightforward: each statistic on its own copies, one column after another, one thread.
        var clock = Stopwatch.StartNew();
        var naive = new double[columns * 3];
        for (var c = 0; c < columns; c++)
        {
            naive[c * 3] = NaiveKs(reference[c], current[c]);
            naive[(c * 3) + 1] = NaivePsi(reference[c], current[c]);
            naive[(c * 3) + 2] = NaiveWasserstein(reference[c], current[c]);
        }

        var naiveSeconds = clock.Elapsed.TotalSeconds;

        // LlmOps: one sort per column shared by the three statistics, columns in parallel.
        clock.Restart();
        var ours = new double[columns * 3];
        Parallel.For(0, columns, c =>
        {
            var a = DriftStatistics.Sorted(reference[c]);
            var b = DriftStatistics.Sorted(current[c]);
            ours[c * 3] = DriftStatistics.KolmogorovSmirnovSorted(a, b).Statistic;
            ours[(c * 3) + 1] = DriftStatistics.PopulationStabilityIndexSorted(a, b);
            ours[(c * 3) + 2] = DriftStatistics.WassersteinSorted(a, b);
        });
        var oursSeconds = clock.Elapsed.TotalSeconds;
        for (var i = 0; i < ours.Length; i++)
        {
            if (Math.Abs(ours[i] - naive[i]) > 1e-9 * Math.Max(1, Math.Abs(naive[i])))
            {
                throw new InvalidOperationException($"Statistic {i} differs: {ours[i]} vs {naive[i]}.");
            }
        }

        results.Add(($"Baseline: straightforward KS + PSI + Wasserstein, {rows:N0} rows x {columns} columns, one thread", $"{naiveSeconds:0.00} s"));
        results.Add(("LlmOps KS + PSI + Wasserstein (shared sort, columns in parallel)", $"{oursSeconds:0.00} s = {naiveSeconds / oursSeconds:0.0} x faster"));

        var x = Enumerable.Range(0, vectors).Select(_ => Unit(random, dimensions, 0)).ToArray();
        var y = Enumerable.Range(0, vectors).Select(_ => Unit(random, dimensions, 0.02f)).ToArray();
        clock.Restart();
        var (mmd, p, _) = MaximumMeanDiscrepancy.Test(x, y, permutations);
        var oursMmd = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var naiveMmd = NaiveMmd2(x, y, permutations);
        var naiveMmdSeconds = clock.Elapsed.TotalSeconds;
        if (Math.Abs(naiveMmd - mmd) > 1e-4 * Math.Max(1e-6, Math.Abs(mmd)) + 1e-7)
        {
            throw new InvalidOperationException($"MMD differs: {mmd} vs {naiveMmd}.");
        }

        results.Add(($"Baseline: straightforward MMD^2 + {permutations} permutations, {vectors:N0} + {vectors:N0} x {dimensions}, scalar loops, one thread", $"{naiveMmdSeconds:0.0} s"));
        results.Add(("LlmOps MMD^2 + permutation test (kernel once, TensorPrimitives, parallel)", $"{oursMmd:0.0} s = {naiveMmdSeconds / oursMmd:0.0} x faster (MMD^2 {mmd:G3}, p {p:0.000})"));
        return results;
    }

    private static double NaiveKs(double[] reference, double[] current)
    {
        var a = (double[])reference.Clone();
        var b = (double[])current.Clone();
        Array.Sort(a);
        Array.Sort(b);
        var d = 0.0;
        foreach (var v in a.Concat(b))
        {
            d = Math.Max(d, Math.Abs(UpperBound(a, v) / (double)a.Length - (UpperBound(b, v) / (double)b.Length)));
        }

        return d;
    }

    private static double NaivePsi(double[] reference, double[] current)
    {
        var a = (double[])reference.Clone();
        Array.Sort(a);
        var edges = Enumerable.Range(1, 9).Select(e => DriftStatistics.Quantile(a, e / 10.0)).ToArray();
        var ra = new double[10];
        var rb = new double[10];
        foreach (var v in reference)
        {
            ra[edges.Count(e => e <= v)]++;
        }

        foreach (var v in current)
        {
            rb[edges.Count(e => e <= v)]++;
        }

        var psi = 0.0;
        for (var i = 0; i < 10; i++)
        {
            var pa = ra[i] == 0 ? DriftStatistics.PsiFloor : ra[i] / reference.Length;
            var pb = rb[i] == 0 ? DriftStatistics.PsiFloor : rb[i] / current.Length;
            psi += (pb - pa) * Math.Log(pb / pa);
        }

        return psi;
    }

    private static double NaiveWasserstein(double[] reference, double[] current)
    {
        var a = (double[])reference.Clone();
        var b = (double[])current.Clone();
        Array.Sort(a);
        Array.Sort(b);
        var all = a.Concat(b).ToArray();
        Array.Sort(all);
        var area = 0.0;
        for (var i = 0; i + 1 < all.Length; i++)
        {
            area += Math.Abs((UpperBound(a, all[i]) / (double)a.Length) - (UpperBound(b, all[i]) / (double)b.Length)) * (all[i + 1] - all[i]);
        }

        return area;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (sorted[mid] <= value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private static double NaiveMmd2(float[][] x, float[][] y, int permutations)
    {
        var pooled = x.Concat(y).ToArray();
        var n = pooled.Length;
        var distances = new double[n, n];
        var sample = new List<double>();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var d = 0; d < pooled[i].Length; d++)
                {
                    var diff = pooled[i][d] - pooled[j][d];
                    sum += diff * diff;
                }

                distances[i, j] = sum;
                if (j > i && sample.Count < MaximumMeanDiscrepancy.MedianPairs)
                {
                    sample.Add(Math.Sqrt(sum));
                }
            }
        }

        sample.Sort();
        var sigma = sample[sample.Count / 2];
        var gamma = 1 / (2 * sigma * sigma);
        double Statistic(int[] members)
        {
            double xx = 0, yy = 0, xy = 0;
            var nx = x.Length;
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    if (i == j)
                    {
                        continue;
                    }

                    var k = Math.Exp(-gamma * distances[i, j]);
                    var (ix, jx) = (members[i] < nx, members[j] < nx);
                    if (ix && jx)
                    {
                        xx += k;
                    }
                    else if (!ix && !jx)
                    {
                        yy += k;
                    }
                    else if (ix)
                    {
                        xy += k;
                    }
                }
            }

            var ny = n - nx;
            return (xx / ((double)nx * (nx - 1))) + (yy / ((double)ny * (ny - 1))) - (2 * xy / ((double)nx * ny));
        }

        var order = Enumerable.Range(0, n).ToArray();
        var observed = Statistic(order);
        var random = new Random(17);
        for (var p = 0; p < permutations; p++)
        {
            random.Shuffle(order);
            _ = Statistic(order);
        }

        return observed;
    }

    private static float[] Unit(Random random, int dimensions, float shift)
    {
        var v = Enumerable.Range(0, dimensions).Select(d => (float)Normal(random) + (d < 32 ? shift : 0)).ToArray();
        LlmOps.Embeddings.UnitVector.Normalize(v);
        return v;
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
