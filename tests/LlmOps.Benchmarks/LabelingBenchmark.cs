using System.Diagnostics;
using LlmOps.Labeling;
using LlmOps.Lifecycle;

namespace LlmOps.Benchmarks;

/// <summary>
/// Agreement statistics at scale: Krippendorff's alpha, Fleiss' kappa, percent agreement and AC1 (one pass) and
/// Cohen's kappa for every annotator pair over <c>items x annotators</c> labels of 5 categories, against one pass that
/// only counts the labels per category (the least any statistic must read); and the same at 10x the labels, to show
/// the time grows with the labels, not faster. Every statistic runs on one thread.
/// </summary>
internal static class LabelingBenchmark
{
    public static IReadOnlyList<(string Metric, string Value)> Run(int items, int annotators, double missing)
    {
        var rows = new List<(string, string)>();
        var small = Generate(items, annotators, missing, seed: 1);
        var large = Generate(items * 10, annotators, missing, seed: 2);
        var runs = Repeated.RunAsync(_ =>
        {
            var (countSmall, statsSmall) = Measure(small);
            var (countLarge, statsLarge) = Measure(large);
            return Task.FromResult((countSmall, statsSmall, countLarge, statsLarge));
        }).GetAwaiter().GetResult();
        // Where the time goes: each statistic alone on the 1x labels.
        var alpha = Repeated.Seconds(() => KrippendorffAlpha.Compute(small, AlphaMetric.Nominal));
        var fleiss = Repeated.Seconds(() => CategoricalAgreement.Compute(small));
        var kappa = Repeated.Seconds(() => CohenKappa.Pairwise(small));

        var labels = small.LabelCount;
        rows.Add(($"Baseline: one pass counting {labels:N0} labels per category ({items:N0} items x {annotators} annotators, 5 categories), 1 thread", Repeated.Of(runs.Select(r => r.countSmall * 1000)).Format("0.0", " ms")));
        rows.Add(("Alpha (nominal) + Fleiss/AC1/percent agreement + pairwise Cohen's kappa, 1 thread", Repeated.Of(runs.Select(r => r.statsSmall * 1000)).Format("0.0", " ms")));
        rows.Add(("  of which alpha, Fleiss' kappa, AC1 and percent agreement (one pass, shared sums)", Repeated.Of(fleiss.Values.Select(v => v * 1000)).Format("0.0", " ms")));
        rows.Add(("  for reference: Krippendorff's alpha on its own (any metric; two passes)", Repeated.Of(alpha.Values.Select(v => v * 1000)).Format("0.0", " ms")));
        rows.Add(("  of which pairwise Cohen's kappa alone", Repeated.Of(kappa.Values.Select(v => v * 1000)).Format("0.0", " ms")));
        rows.Add(("  ratio to the counting pass (target at most 5)", Repeated.Of(runs.Select(r => r.statsSmall / r.countSmall)).Format("0.00", "x")));
        rows.Add(($"The same over 10x the labels ({large.LabelCount:N0})", Repeated.Of(runs.Select(r => r.statsLarge * 1000)).Format("0.0", " ms")));
        rows.Add(("  time at 10x the labels / time at 1x (target at most 12)", Repeated.Of(runs.Select(r => r.statsLarge / r.statsSmall)).Format("0.00", "x")));
        rows.Add(("  counting pass at 10x / at 1x (for reference)", Repeated.Of(runs.Select(r => r.countLarge / r.countSmall)).Format("0.00", "x")));
        return rows;
    }

    private static (double Count, double Statistics) Measure(LabelMatrix labels)
    {
        var clock = Stopwatch.StartNew();
        var counts = new long[labels.Categories];
        for (var item = 0; item < labels.ItemCount; item++)
        {
            foreach (var value in labels.ValuesOf(item))
            {
                counts[(int)value]++;
            }
        }

        GC.KeepAlive(counts);
        var count = clock.Elapsed.TotalSeconds;
        clock.Restart();
        // What the QA evaluator runs for a categorical field: alpha, Fleiss, AC1 and percent agreement from one pass
        // over the items (shared sums), then the pairwise confusion matrices.
        var agreement = CategoricalAgreement.Compute(labels);
        var pairs = CohenKappa.Pairwise(labels);
        if (agreement.NominalAlpha is null || agreement.FleissKappa is null || pairs.Count != labels.AnnotatorCount * (labels.AnnotatorCount - 1) / 2)
        {
            throw new InvalidOperationException("the benchmark labels gave undefined statistics");
        }

        return (count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Each item has a true category; each annotator gives it 80% of the time, otherwise a random one; a share <paramref name="missing"/> of labels is left out.</summary>
    private static LabelMatrix Generate(int items, int annotators, double missing, int seed)
    {
        var random = new Random(seed);
        var labels = new List<(int, int, double)>(items * annotators);
        for (var item = 0; item < items; item++)
        {
            var truth = random.Next(5);
            for (var a = 0; a < annotators; a++)
            {
                if (missing > 0 && random.NextDouble() < missing)
                {
                    continue;
                }

                labels.Add((item, a, random.NextDouble() < 0.8 ? truth : random.Next(5)));
            }
        }

        return LabelMatrix.Create(items, annotators, 5, labels);
    }
}
