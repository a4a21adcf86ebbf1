using System.Numerics.Tensors;

namespace LlmOps.Drift;

/// <summary>
/// Unbiased MMD^2 between two samples of vectors with an RBF kernel whose bandwidth is the median pairwise distance of
/// the pooled sample (the median heuristic), and a permutation-test p-value. The pooled kernel matrix is computed once
/// (in parallel, dot products with TensorPrimitives); each permutation then costs one matrix-vector pass.
/// </summary>
public static class MaximumMeanDiscrepancy
{
    /// <summary>Pairs used to estimate the median distance when the pooled sample is large.</summary>
    public const int MedianPairs = 200_000;

    public static (double Mmd2, double PValue, double Bandwidth) Test(IReadOnlyList<float[]> x, IReadOnlyList<float[]> y, int permutations = 100, int seed = 17)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count < 2 || y.Count < 2)
        {
            throw new ArgumentException($"MMD needs at least 2 vectors per sample (has {x.Count} and {y.Count}).");
        }

        var pooled = x.Concat(y).ToArray();
        var n = pooled.Length;
        var norms = pooled.Select(v => TensorPrimitives.Dot(v, v)).ToArray();
        var squared = new float[(long)n * n];
        Parallel.For(0, n, i =>
        {
            var row = squared.AsSpan(i * n, n);
            for (var j = 0; j < n; j++)
            {
                row[j] = j == i ? 0 : Math.Max(0, norms[i] + norms[j] - (2 * TensorPrimitives.Dot(pooled[i], pooled[j])));
            }
        });

        var sigma = MedianDistance(squared, n);
        var gamma = sigma > 0 ? 1.0 / (2 * sigma * sigma) : 1.0;
        Parallel.For(0, n, i =>
        {
            var row = squared.AsSpan(i * n, n);
            TensorPrimitives.Multiply(row, (float)-gamma, row);
            TensorPrimitives.Exp(row, row);
        });

        var kernel = squared;
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            total += TensorPrimitives.Sum(kernel.AsSpan(i * n, n));
        }

        var labels = new float[n];
        Array.Fill(labels, 1f, 0, x.Count);
        var observed = Mmd2(kernel, n, labels, x.Count, total);
        var random = new Random(seed);
        var atLeast = 0;
        for (var p = 0; p < permutations; p++)
        {
            random.Shuffle(labels);
            if (Mmd2(kernel, n, labels, x.Count, total) >= observed)
            {
                atLeast++;
            }
        }

        return (observed, (atLeast + 1.0) / (permutations + 1.0), sigma);
    }

    private static double Mmd2(float[] kernel, int n, float[] inX, int nx, double total)
    {
        // r_i = sum of row i over the X members; the three block sums follow (the diagonal of an RBF kernel is 1).
        var sums = new double[2];
        var gate = new object();
        Parallel.For(0, n, () => (X: 0.0, Y: 0.0), (i, _, local) =>
        {
            var r = TensorPrimitives.Dot(kernel.AsSpan(i * n, n), inX);
            return inX[i] == 1 ? (local.X + r, local.Y) : (local.X, local.Y + r);
        }, local =>
        {
            lock (gate)
            {
                sums[0] += local.X;
                sums[1] += local.Y;
            }
        });

        var ny = n - nx;
        var xxFull = sums[0];
        var xy = sums[1];
        var yyFull = total - xxFull - (2 * xy);
        return ((xxFull - nx) / ((double)nx * (nx - 1))) + ((yyFull - ny) / ((double)ny * (ny - 1))) - (2 * xy / ((double)nx * ny));
    }

    private static double MedianDistance(float[] squared, int n)
    {
        var pairs = (long)n * (n - 1) / 2;
        var sample = new List<double>((int)Math.Min(pairs, MedianPairs));
        if (pairs <= MedianPairs)
        {
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j < n; j++)
                {
                    sample.Add(Math.Sqrt(squared[((long)i * n) + j]));
                }
            }
        }
        else
        {
            var random = new Random(7);
            while (sample.Count < MedianPairs)
            {
                var i = random.Next(n);
                var j = random.Next(n);
                if (i != j)
                {
                    sample.Add(Math.Sqrt(squared[((long)i * n) + j]));
                }
            }
        }

        sample.Sort();
        var middle = sample.Count / 2;
        return sample.Count % 2 == 1 ? sample[middle] : (sample[middle - 1] + sample[middle]) / 2;
    }
}
