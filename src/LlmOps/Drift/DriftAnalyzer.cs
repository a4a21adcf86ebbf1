using System.Globalization;
using System.Text.RegularExpressions;
using LlmOps.Errors;
using LlmOps.Lifecycle;

namespace LlmOps.Drift;

/// <summary>
/// Compares a reference sample with a current one, signal by signal, with Evidently's defaults where the lifecycle is
/// silent: numeric columns by KS (p &lt; 0.05) up to 1000 reference rows, normalized Wasserstein (&gt; 0.1) above;
/// categorical columns by chi-square (p &lt; 0.05) up to 1000, Jensen-Shannon (&gt; 0.1) above; the dataset drifts when at
/// least half its columns do. Each check needs <see cref="MinimumRows"/> values a side (embeddings:
/// <see cref="MinimumVectors"/>, the domain classifier <see cref="MinimumClassifierVectors"/>), else it says so.
/// </summary>
public static partial class DriftAnalyzer
{
    public const int MinimumRows = 30;
    public const int MinimumVectors = 20;
    public const int MinimumClassifierVectors = 50;
    public const int SmallSampleRows = 1000;
    public const int MaxEmbeddingSample = 1000;

    public static IReadOnlyList<DriftCheck> Analyze(DriftSample reference, DriftSample current, DriftSettings settings)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(settings);
        var checks = new List<DriftCheck>();
        foreach (var (column, values) in reference.Numeric)
        {
            checks.Add(Numeric("column:" + column, "numeric", values, current.Numeric.GetValueOrDefault(column) ?? [], settings.For("column:" + column)));
        }

        foreach (var (column, values) in reference.Categorical)
        {
            checks.Add(Categorical("column:" + column, values, current.Categorical.GetValueOrDefault(column) ?? [], settings.For("column:" + column)));
        }

        if (reference.Texts.Count > 0 || current.Texts.Count > 0)
        {
            checks.Add(Numeric("text.token_length", "text", [.. reference.TokenCounts.Select(t => (double)t)], [.. current.TokenCounts.Select(t => (double)t)], settings.For("text.token_length")));
            checks.Add(OutOfVocabulary(reference.Texts, current.Texts, settings.For("text.oov_rate")));
            checks.Add(Categorical("text.language_mix", reference.Languages, current.Languages, settings.For("text.language_mix") ?? new DriftSignalSettings("text.language_mix", "jensen_shannon", null, null, null)));
        }

        if (reference.Embeddings.Count > 0 || current.Embeddings.Count > 0)
        {
            checks.AddRange(Embeddings(reference.Embeddings, current.Embeddings, settings));
        }

        // Every configured signal gets a row: one with no values on either side says so instead of vanishing.
        foreach (var configured in settings.Signals.Where(s => !s.Signal.StartsWith("quality.", StringComparison.Ordinal) && checks.All(c => c.Signal != s.Signal)))
        {
            checks.Add(new DriftCheck(
                configured.Signal, configured.Signal.Split('.', ':')[0], configured.Test ?? "none", double.NaN, false, double.NaN, double.NaN, DriftStatus.Insufficient,
                "no values for this signal in either sample (the field is missing or empty in every record, or is not in the schema)", 0, 0, configured.Action));
        }

        return checks;
    }

    /// <summary>True when at least half the column checks (with enough values) are at alert.</summary>
    public static bool DatasetDrift(IReadOnlyList<DriftCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var columns = checks.Where(c => c.Signal.StartsWith("column:", StringComparison.Ordinal) && c.Status is not (DriftStatus.Insufficient or DriftStatus.Undefined)).ToList();
        return columns.Count > 0 && columns.Count(c => c.Status == DriftStatus.Alert) * 2 >= columns.Count;
    }

    public static DriftCheck Numeric(string signal, string kind, IReadOnlyList<double> reference, IReadOnlyList<double> current, DriftSignalSettings? settings)
    {
        // NaN and infinities have no place in a distribution: they are left out (and counted as missing).
        reference = [.. reference.Where(double.IsFinite)];
        current = [.. current.Where(double.IsFinite)];
        var test = settings?.Test ?? (reference.Count <= SmallSampleRows ? "ks" : "wasserstein");
        if (Insufficient(signal, kind, test, reference.Count, current.Count, MinimumRows, settings) is { } tooFew)
        {
            return tooFew;
        }

        var sortedReference = DriftStatistics.Sorted([.. reference]);
        var sortedCurrent = DriftStatistics.Sorted([.. current]);
        // Scale does not matter: values are divided by the largest magnitude first, so 1e300 neither overflows the
        // variance nor the areas (KS and PSI are rank-based and unchanged; normalized Wasserstein is a ratio).
        var scale = Math.Max(MaxMagnitude(sortedReference), MaxMagnitude(sortedCurrent));
        var a = scale > 0 ? Divided(sortedReference, scale) : sortedReference;
        var b = scale > 0 ? Divided(sortedCurrent, scale) : sortedCurrent;
        var (value, lowerIsWorse, warn, alert) = test switch
        {
            "ks" => (DriftStatistics.KolmogorovSmirnovSorted(a, b).PValue, true, 0.1, 0.05),
            "psi" => (DriftStatistics.PopulationStabilityIndexSorted(a, b), false, 0.1, 0.2),
            "wasserstein" => (DriftStatistics.StandardDeviation(a) is var std && std > 0 ? DriftStatistics.WassersteinSorted(a, b) / std : DriftStatistics.WassersteinSorted(a, b), false, 0.05, 0.1),
            _ => throw LlmOpsException.Invalid($"{signal}: the test '{test}' does not apply to numeric values (ks, psi or wasserstein)."),
        };
        return Verdict(signal, kind, test, value, lowerIsWorse, settings?.Warn ?? warn, settings?.Alert ?? alert, a.Length, b.Length, settings)
            with { Histogram = NumericHistogram(sortedReference, sortedCurrent) };
    }

    /// <summary>The largest magnitude of a sorted, non-empty sample: at one of its ends.</summary>
    private static double MaxMagnitude(double[] sorted) => Math.Max(Math.Abs(sorted[0]), Math.Abs(sorted[^1]));

    private static double[] Divided(double[] values, double scale) => [.. values.Select(v => v / scale)];

    public static DriftCheck Categorical(string signal, IReadOnlyList<string> reference, IReadOnlyList<string> current, DriftSignalSettings? settings)
    {
        var kind = signal.StartsWith("column:", StringComparison.Ordinal) ? "categorical" : "text";
        var test = settings?.Test ?? (reference.Count <= SmallSampleRows ? "chi_square" : "jensen_shannon");
        if (Insufficient(signal, kind, test, reference.Count, current.Count, MinimumRows, settings) is { } tooFew)
        {
            return tooFew;
        }

        var a = reference.GroupBy(v => v, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var b = current.GroupBy(v => v, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var (value, lowerIsWorse, warn, alert) = test switch
        {
            "chi_square" => (DriftStatistics.ChiSquare(a, b).PValue, true, 0.1, 0.05),
            "jensen_shannon" => (DriftStatistics.JensenShannon(a, b), false, 0.05, 0.1),
            _ => throw LlmOpsException.Invalid($"{signal}: the test '{test}' does not apply to categories (chi_square or jensen_shannon)."),
        };
        var bins = a.Keys.Union(b.Keys).Order(StringComparer.Ordinal).ToList();
        var histogram = new DriftHistogram(bins, [.. bins.Select(k => (double)a.GetValueOrDefault(k) / reference.Count)], [.. bins.Select(k => (double)b.GetValueOrDefault(k) / current.Count)]);
        return Verdict(signal, kind, test, value, lowerIsWorse, settings?.Warn ?? warn, settings?.Alert ?? alert, reference.Count, current.Count, settings) with { Histogram = histogram };
    }

    /// <summary>The share of current word tokens the reference never used.</summary>
    public static DriftCheck OutOfVocabulary(IReadOnlyList<string> reference, IReadOnlyList<string> current, DriftSignalSettings? settings)
    {
        const string signal = "text.oov_rate";
        if (Insufficient(signal, "text", "oov_rate", reference.Count, current.Count, MinimumRows, settings) is { } tooFew)
        {
            return tooFew;
        }

        var vocabulary = new HashSet<string>(reference.SelectMany(Words), StringComparer.Ordinal);
        long total = 0, unknown = 0;
        foreach (var word in current.SelectMany(Words))
        {
            total++;
            unknown += vocabulary.Contains(word) ? 0 : 1;
        }

        var rate = total == 0 ? 0 : (double)unknown / total;
        return Verdict(signal, "text", "oov_rate", rate, false, settings?.Warn ?? 0.1, settings?.Alert ?? 0.2, reference.Count, current.Count, settings);
    }

    /// <summary>A quality signal: how far its mean fell from the reference window to the current one (higher is worse).</summary>
    public static DriftCheck QualityDrop(string signal, IReadOnlyList<double> reference, IReadOnlyList<double> current, DriftSignalSettings? settings) =>
        QualityChange(signal, reference, current, settings, higherIsBetter: true, quantile: null, relative: false);

    /// <summary>
    /// How far a quality signal moved the wrong way between the windows: the mean (or <paramref name="quantile"/>) of the
    /// reference less the current's when higher is better, the other way round when lower is; divided by the
    /// reference's when <paramref name="relative"/> (latency and cost: "p95 up 20%"). Tests <c>mean_drop</c>,
    /// <c>mean_rise</c>, <c>p95_rise</c>, with <c>_relative</c> when relative.
    /// </summary>
    public static DriftCheck QualityChange(string signal, IReadOnlyList<double> reference, IReadOnlyList<double> current, DriftSignalSettings? settings, bool higherIsBetter, double? quantile, bool relative)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var test = (quantile is { } q ? $"p{q * 100:0}" : "mean") + (higherIsBetter ? "_drop" : "_rise") + (relative ? "_relative" : "");
        if (Insufficient(signal, "quality", test, reference.Count, current.Count, MinimumRows, settings) is { } insufficient)
        {
            return insufficient;
        }

        double Aggregate(IReadOnlyList<double> values) => quantile is { } p ? Quantile(values, p) : values.Average();
        var (before, after) = (Aggregate(reference), Aggregate(current));
        var change = higherIsBetter ? before - after : after - before;
        var value = relative ? (before == 0 ? (change > 0 ? double.PositiveInfinity : 0) : change / Math.Abs(before)) : change;
        return Verdict(signal, "quality", test, value, false, settings?.Warn ?? 0.05, settings?.Alert ?? 0.1, reference.Count, current.Count, settings);
    }

    /// <summary>Linear interpolation between order statistics (numpy's default).</summary>
    private static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    public static IReadOnlyList<DriftCheck> Embeddings(IReadOnlyList<float[]> reference, IReadOnlyList<float[]> current, DriftSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var a = Subsample(reference, 1);
        var b = Subsample(current, 2);
        var checks = new List<DriftCheck>();
        var centroid = settings.For("embeddings.centroid_shift");
        checks.Add(Insufficient("embeddings.centroid_shift", "embedding", "centroid_cosine", a.Count, b.Count, MinimumVectors, centroid)
            ?? Verdict("embeddings.centroid_shift", "embedding", "centroid_cosine", DriftStatistics.CentroidCosineShift(a, b), false, centroid?.Warn ?? 0.02, centroid?.Alert ?? 0.05, a.Count, b.Count, centroid));
        var mmd = settings.For("embeddings.mmd");
        checks.Add(Insufficient("embeddings.mmd", "embedding", "mmd", a.Count, b.Count, MinimumVectors, mmd)
            ?? Verdict("embeddings.mmd", "embedding", "mmd", MaximumMeanDiscrepancy.Test(a, b).PValue, true, mmd?.Warn ?? 0.1, mmd?.Alert ?? 0.05, a.Count, b.Count, mmd));
        var classifier = settings.For("embeddings.domain_classifier");
        checks.Add(Insufficient("embeddings.domain_classifier", "embedding", "domain_classifier", a.Count, b.Count, MinimumClassifierVectors, classifier)
            ?? Verdict("embeddings.domain_classifier", "embedding", "domain_classifier", DomainClassifier.RocAuc(a, b), false, classifier?.Warn ?? 0.55, classifier?.Alert ?? 0.65, a.Count, b.Count, classifier));
        return checks;
    }

    private static List<float[]> Subsample(IReadOnlyList<float[]> vectors, int seed)
    {
        if (vectors.Count <= MaxEmbeddingSample)
        {
            return [.. vectors];
        }

        var copy = vectors.ToArray();
        new Random(seed).Shuffle(copy);
        return [.. copy.Take(MaxEmbeddingSample)];
    }

    private static DriftCheck? Insufficient(string signal, string kind, string test, int reference, int current, int minimum, DriftSignalSettings? settings) =>
        reference >= minimum && current >= minimum ? null : new DriftCheck(
            signal, kind, test, double.NaN, false, double.NaN, double.NaN, DriftStatus.Insufficient,
            $"needs at least {minimum} reference and {minimum} current values; has {reference} and {current}",
            reference, current, settings?.Action);

    private static DriftCheck Verdict(string signal, string kind, string test, double value, bool lowerIsWorse, double warn, double alert, int reference, int current, DriftSignalSettings? settings)
    {
        if (double.IsNaN(value))
        {
            return new DriftCheck(signal, kind, test, value, lowerIsWorse, warn, alert, DriftStatus.Undefined,
                $"{test} is undefined on these values (NaN): no verdict", reference, current, settings?.Action);
        }

        bool Past(double threshold) => lowerIsWorse ? value < threshold : value > threshold;
        var status = Past(alert) ? DriftStatus.Alert : Past(warn) ? DriftStatus.Warn : DriftStatus.Ok;
        var comparison = lowerIsWorse ? "p" : test;
        var message = status switch
        {
            DriftStatus.Alert => $"{comparison} = {value.ToString("G4", CultureInfo.InvariantCulture)} is past the alert threshold {alert.ToString(CultureInfo.InvariantCulture)}",
            DriftStatus.Warn => $"{comparison} = {value.ToString("G4", CultureInfo.InvariantCulture)} is past the warn threshold {warn.ToString(CultureInfo.InvariantCulture)}",
            _ => $"{comparison} = {value.ToString("G4", CultureInfo.InvariantCulture)} is within thresholds",
        };
        return new DriftCheck(signal, kind, test, value, lowerIsWorse, warn, alert, status, message, reference, current, settings?.Action);
    }

    private static DriftHistogram NumericHistogram(double[] a, double[] b)
    {
        const int bins = 20;
        var low = Math.Min(a[0], b[0]);
        var high = Math.Max(a[^1], b[^1]);
        var width = high > low ? (high - low) / bins : 1;
        double[] Shares(double[] values)
        {
            var shares = new double[bins];
            foreach (var v in values)
            {
                shares[Math.Clamp((int)((v - low) / width), 0, bins - 1)] += 1.0 / values.Length;
            }

            return shares;
        }

        return new DriftHistogram([.. Enumerable.Range(0, bins).Select(i => (low + (i * width)).ToString("G4", CultureInfo.InvariantCulture))], Shares(a), Shares(b));
    }

    private static IEnumerable<string> Words(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);

    [GeneratedRegex(@"\p{L}[\p{L}\p{N}']*", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
