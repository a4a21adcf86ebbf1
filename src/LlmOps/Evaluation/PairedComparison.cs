using MathNet.Numerics.Distributions;

namespace LlmOps.Evaluation;

/// <summary>
/// Paired comparison of two targets graded on the same examples: a percentile bootstrap interval of the mean
/// difference (resampling examples, seeded, so the same inputs give the same interval on every machine), and
/// McNemar's test for pass/fail metrics: exact (two-sided binomial on the discordant pairs) below 25 discordant pairs,
/// else the chi-square statistic with continuity correction, as statsmodels' <c>mcnemar</c> computes them.
/// </summary>
public static class PairedComparison
{
    public const int DefaultResamples = 10_000;
    public const int DefaultSeed = 20_261_124;
    public const int ExactBelow = 25;

    public static MetricComparison Compare(
        string metric, IReadOnlyList<double> candidate, IReadOnlyList<double> baseline, bool passFail,
        int resamples = DefaultResamples, int seed = DefaultSeed, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseline);
        if (candidate.Count != baseline.Count || candidate.Count == 0)
        {
            throw new ArgumentException($"{metric}: a paired comparison needs the same number (> 0) of candidate and baseline values, got {candidate.Count} and {baseline.Count}.");
        }

        var n = candidate.Count;
        var differences = new double[n];
        double sumCandidate = 0, sumBaseline = 0;
        for (var i = 0; i < n; i++)
        {
            differences[i] = candidate[i] - baseline[i];
            sumCandidate += candidate[i];
            sumBaseline += baseline[i];
        }

        var (low, high) = BootstrapInterval(differences, resamples, seed, confidence);
        var comparison = new MetricComparison(metric, n, sumCandidate / n, sumBaseline / n, differences.Average(), low, high, confidence);
        if (!passFail)
        {
            return comparison;
        }

        int candidateOnly = 0, baselineOnly = 0;
        for (var i = 0; i < n; i++)
        {
            candidateOnly += candidate[i] > 0.5 && baseline[i] <= 0.5 ? 1 : 0;
            baselineOnly += baseline[i] > 0.5 && candidate[i] <= 0.5 ? 1 : 0;
        }

        return comparison with { CandidateOnly = candidateOnly, BaselineOnly = baselineOnly, McNemarP = McNemar(candidateOnly, baselineOnly) };
    }

    /// <summary>The two-sided p-value of McNemar's test on <paramref name="b"/> and <paramref name="c"/> discordant pairs.</summary>
    public static double McNemar(int b, int c)
    {
        var discordant = b + c;
        if (discordant == 0)
        {
            return 1;
        }

        if (discordant < ExactBelow)
        {
            return Math.Min(1, 2 * Binomial.CDF(0.5, discordant, Math.Min(b, c)));
        }

        var statistic = Math.Pow(Math.Abs(b - c) - 1, 2) / discordant;
        return 1 - ChiSquared.CDF(1, statistic);
    }

    /// <summary>The percentile interval of the mean of <paramref name="values"/> over <paramref name="resamples"/> bootstrap resamples.</summary>
    public static (double Low, double High) BootstrapInterval(IReadOnlyList<double> values, int resamples = DefaultResamples, int seed = DefaultSeed, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 2);
        var n = values.Count;
        var random = new Random(seed);
        var means = new double[resamples];
        var data = values as double[] ?? [.. values];
        for (var r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += data[random.Next(n)];
            }

            means[r] = sum / n;
        }

        Array.Sort(means);
        var tail = (1 - confidence) / 2;
        return (Percentile(means, tail), Percentile(means, 1 - tail));
    }

    /// <summary>
    /// Two independent samples (a canary's requests and the stable deployment's): the difference of
    /// <paramref name="statistic"/> (candidate - baseline) with a percentile bootstrap interval, each sample resampled
    /// on its own, seeded. <see cref="MetricComparison.Pairs"/> holds the candidate's sample size.
    /// </summary>
    public static MetricComparison CompareIndependent(
        string metric, IReadOnlyList<double> candidate, IReadOnlyList<double> baseline, Func<double[], double> statistic,
        int resamples = DefaultResamples, int seed = DefaultSeed, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(statistic);
        if (candidate.Count == 0 || baseline.Count == 0)
        {
            throw new ArgumentException($"{metric}: both samples need values, got {candidate.Count} and {baseline.Count}.");
        }

        double[] a = [.. candidate], b = [.. baseline];
        var random = new Random(seed);
        var differences = new double[resamples];
        double[] drawA = new double[a.Length], drawB = new double[b.Length];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < a.Length; i++)
            {
                drawA[i] = a[random.Next(a.Length)];
            }

            for (var i = 0; i < b.Length; i++)
            {
                drawB[i] = b[random.Next(b.Length)];
            }

            differences[r] = statistic(drawA) - statistic(drawB);
        }

        Array.Sort(differences);
        var tail = (1 - confidence) / 2;
        double valueA = statistic(a), valueB = statistic(b);
        return new MetricComparison(metric, a.Length, valueA, valueB, valueA - valueB, Percentile(differences, tail), Percentile(differences, 1 - tail), confidence);
    }

    /// <summary>The <paramref name="q"/> quantile of <paramref name="values"/> (sorted in place), linear as numpy's and DuckDB's <c>quantile_cont</c>.</summary>
    public static double Quantile(double[] values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        Array.Sort(values);
        return Percentile(values, q);
    }

    /// <summary>numpy's default (linear) percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
