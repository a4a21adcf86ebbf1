using MathNet.Numerics;
using System.Numerics.Tensors;

namespace LlmOps.Drift;

/// <summary>
/// The two-sample statistics of drift checks, free of I/O. Each matches a reference implementation (SciPy, NumPy,
/// scikit-learn) to within rounding; tests/LlmOps.Tests/Drift/TestVectors holds the vectors and the script that made them.
/// </summary>
public static class DriftStatistics
{
    /// <summary>Zero-count bins get this share in PSI (Evidently's and most references' choice), so the log is finite.</summary>
    public const double PsiFloor = 0.0001;

    /// <summary>The two-sample Kolmogorov-Smirnov statistic D and its asymptotic p-value Q_KS(sqrt(nm/(n+m)) D).</summary>
    public static (double Statistic, double PValue) KolmogorovSmirnov(ReadOnlySpan<double> reference, ReadOnlySpan<double> current)
    {
        var a = Sorted(reference);
        var b = Sorted(current);
        return KolmogorovSmirnovSorted(a, b);
    }

    /// <summary>KS on samples sorted ascending already.</summary>
    public static (double Statistic, double PValue) KolmogorovSmirnovSorted(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        RequireSamples(a.Length, b.Length);
        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] <= x)
            {
                i++;
            }

            while (j < b.Length && b[j] <= x)
            {
                j++;
            }

            d = Math.Max(d, Math.Abs(((double)i / a.Length) - ((double)j / b.Length)));
        }

        var en = (double)a.Length * b.Length / (a.Length + b.Length);
        return (d, KolmogorovSurvival(Math.Sqrt(en) * d));
    }

    /// <summary>Q_KS(x) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2), the limiting distribution's survival function.</summary>
    public static double KolmogorovSurvival(double x)
    {
        if (x <= 0)
        {
            return 1;
        }

        if (x < 0.2)
        {
            // The alternating series converges slowly here; use the Jacobi theta form of the CDF instead.
            var sum = 0.0;
            for (var k = 1; k <= 50; k++)
            {
                var t = ((2 * k) - 1) * Math.PI / x;
                sum += Math.Exp(-t * t / 8);
            }

            return 1 - (Math.Sqrt(2 * Math.PI) / x * sum);
        }

        var q = 0.0;
        for (var k = 1; k <= 100; k++)
        {
            var term = Math.Exp(-2.0 * k * k * x * x);
            q += (k % 2 == 1 ? 2 : -2) * term;
            if (term < 1e-18)
            {
                break;
            }
        }

        return Math.Clamp(q, 0, 1);
    }

    /// <summary>The first Wasserstein (earth mover's) distance between two empirical distributions.</summary>
    public static double Wasserstein(ReadOnlySpan<double> reference, ReadOnlySpan<double> current) =>
        WassersteinSorted(Sorted(reference), Sorted(current));

    public static double WassersteinSorted(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        RequireSamples(a.Length, b.Length);

        // Integrate |F_a - F_b| over the merged support.
        int i = 0, j = 0;
        double area = 0, previous = Math.Min(a[0], b[0]);
        while (i < a.Length || j < b.Length)
        {
            var x = j >= b.Length || (i < a.Length && a[i] <= b[j]) ? a[i] : b[j];
            area += Math.Abs(((double)i / a.Length) - ((double)j / b.Length)) * (x - previous);
            previous = x;
            while (i < a.Length && a[i] <= x)
            {
                i++;
            }

            while (j < b.Length && b[j] <= x)
            {
                j++;
            }
        }

        return area;
    }

    /// <summary>Wasserstein distance over the reference's standard deviation (Evidently's normalized Wasserstein).</summary>
    public static double NormalizedWasserstein(ReadOnlySpan<double> reference, ReadOnlySpan<double> current)
    {
        var std = StandardDeviation(reference);
        var distance = Wasserstein(reference, current);
        return std > 0 ? distance / std : (distance == 0 ? 0 : double.PositiveInfinity);
    }

    /// <summary>Population stability index over the reference's deciles (or <paramref name="bins"/> quantiles).</summary>
    public static double PopulationStabilityIndex(ReadOnlySpan<double> reference, ReadOnlySpan<double> current, int bins = 10)
    {
        var a = Sorted(reference);
        var b = Sorted(current);
        return PopulationStabilityIndexSorted(a, b, bins);
    }

    public static double PopulationStabilityIndexSorted(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int bins = 10)
    {
        RequireSamples(a.Length, b.Length);
        var edges = new double[bins - 1];
        for (var e = 1; e < bins; e++)
        {
            edges[e - 1] = Quantile(a, (double)e / bins);
        }

        var psi = 0.0;
        int ia = 0, ib = 0;
        for (var bin = 0; bin < bins; bin++)
        {
            var upper = bin < edges.Length ? edges[bin] : double.PositiveInfinity;
            var ca = 0;
            var cb = 0;
            while (ia < a.Length && (a[ia] < upper || (bin == bins - 1)))
            {
                ia++;
                ca++;
            }

            while (ib < b.Length && (b[ib] < upper || (bin == bins - 1)))
            {
                ib++;
                cb++;
            }

            var pa = ca == 0 ? PsiFloor : (double)ca / a.Length;
            var pb = cb == 0 ? PsiFloor : (double)cb / b.Length;
            psi += (pb - pa) * Math.Log(pb / pa);
        }

        return psi;
    }

    /// <summary>
    /// Pearson's chi-square test of homogeneity on the 2 x k table of reference and current counts (both samples are
    /// samples, so neither is taken as the truth); p from the chi-square distribution with k - 1 degrees of freedom.
    /// </summary>
    public static (double Statistic, double PValue) ChiSquare(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var categories = reference.Keys.Union(current.Keys).Where(k => reference.GetValueOrDefault(k) + current.GetValueOrDefault(k) > 0).ToList();
        double referenceTotal = reference.Values.Sum(), currentTotal = current.Values.Sum();
        RequireSamples((int)Math.Min(referenceTotal, int.MaxValue), (int)Math.Min(currentTotal, int.MaxValue));
        if (categories.Count < 2)
        {
            return (0, 1);
        }

        var total = referenceTotal + currentTotal;
        var statistic = 0.0;
        foreach (var category in categories)
        {
            double observedReference = reference.GetValueOrDefault(category), observedCurrent = current.GetValueOrDefault(category);
            var column = observedReference + observedCurrent;
            var expectedReference = referenceTotal * column / total;
            var expectedCurrent = currentTotal * column / total;
            statistic += ((observedReference - expectedReference) * (observedReference - expectedReference) / expectedReference)
                + ((observedCurrent - expectedCurrent) * (observedCurrent - expectedCurrent) / expectedCurrent);
        }

        // The survival function keeps tiny p-values (1 - CDF rounds everything below ~1e-16 to 0).
        return (statistic, SpecialFunctions.GammaUpperRegularized((categories.Count - 1) / 2.0, statistic / 2));
    }

    /// <summary>Jensen-Shannon distance (base 2, in [0, 1]) between the category shares of two samples.</summary>
    public static double JensenShannon(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var categories = reference.Keys.Union(current.Keys).ToList();
        double rt = reference.Values.Sum(), ct = current.Values.Sum();
        var divergence = 0.0;
        foreach (var category in categories)
        {
            var p = reference.GetValueOrDefault(category) / rt;
            var q = current.GetValueOrDefault(category) / ct;
            var m = (p + q) / 2;
            divergence += (p > 0 ? p * Math.Log2(p / m) : 0) + (q > 0 ? q * Math.Log2(q / m) : 0);
        }

        return Math.Sqrt(Math.Max(0, divergence / 2));
    }

    /// <summary>Area under the ROC curve (Mann-Whitney U with ties counted half), as scikit-learn's roc_auc_score.</summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException("One label per score.", nameof(labels));
        }

        var order = Enumerable.Range(0, scores.Length).ToArray();
        var s = scores.ToArray();
        Array.Sort(order, (x, y) => s[x].CompareTo(s[y]));
        double rankSum = 0;
        long positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && s[order[j + 1]] == s[order[i]])
            {
                j++;
            }

            var rank = ((i + j) / 2.0) + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]] == 1)
                {
                    rankSum += rank;
                    positives++;
                }
            }

            i = j + 1;
        }

        long negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException("AUC needs both classes.", nameof(labels));
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / ((double)positives * negatives);
    }

    /// <summary>1 - cosine similarity of the two samples' mean vectors.</summary>
    public static double CentroidCosineShift(IReadOnlyList<float[]> reference, IReadOnlyList<float[]> current)
    {
        var a = Centroid(reference);
        var b = Centroid(current);
        return 1 - TensorPrimitives.CosineSimilarity(a, b);
    }

    public static float[] Centroid(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            throw new ArgumentException("No vectors.", nameof(vectors));
        }

        var sum = new float[vectors[0].Length];
        foreach (var vector in vectors)
        {
            TensorPrimitives.Add(sum, vector, sum);
        }

        TensorPrimitives.Divide(sum, vectors.Count, sum);
        return sum;
    }

    internal static double[] Sorted(ReadOnlySpan<double> values)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        return copy;
    }

    /// <summary>NumPy's default ('linear') quantile of sorted values.</summary>
    internal static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    /// <summary>Population standard deviation, computed on values divided by their largest magnitude so it cannot overflow.</summary>
    internal static double StandardDeviation(ReadOnlySpan<double> values)
    {
        var scale = 0.0;
        foreach (var v in values)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }

        if (scale == 0 || !double.IsFinite(scale))
        {
            return scale == 0 ? 0 : double.NaN;
        }

        var mean = 0.0;
        foreach (var v in values)
        {
            mean += v / scale;
        }

        mean /= values.Length;
        var sum = 0.0;
        foreach (var v in values)
        {
            var d = (v / scale) - mean;
            sum += d * d;
        }

        return Math.Sqrt(sum / values.Length) * scale;
    }

    private static void RequireSamples(int reference, int current)
    {
        if (reference == 0 || current == 0)
        {
            throw new ArgumentException($"Both samples need values (reference {reference}, current {current}).");
        }
    }
}
