using System.Globalization;
using LlmOps.Lifecycle;

namespace LlmOps.Labeling;

/// <summary>
/// Labeling QA for one project (policy, apart from storage): builds each field's label matrix, computes agreement,
/// consensus, gold accuracy and the adjudication list, applies adjudications, and decides whether the labels may be
/// published, with the reasons when not. Labels are assumed valid for the project (the importer quarantines the rest).
/// </summary>
public static class LabelQualityEvaluator
{
    public const string GoldAnnotator = "gold";

    public static LabelingReport Evaluate(
        LabelingProject project,
        IReadOnlyList<LabelAnswer> labels,
        IReadOnlyList<LabelAnswer> gold,
        IReadOnlyList<Adjudication> adjudications,
        DateTimeOffset at,
        int bootstrapResamples = 1000)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(adjudications);
        // Answers stored under an earlier version of the project (an annotator or value since removed) no longer count.
        var all = labels;
        labels = [.. labels.Where(l => project.Annotators.Contains(l.Annotator, StringComparer.Ordinal) && project.Field(l.Field) is { } f && LabelImporter.ValueProblem(f, l.Values) is null)];
        var items = labels.Select(l => l.Item).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var itemIndex = items.Select((item, i) => (item, i)).ToDictionary(x => x.item, x => x.i, StringComparer.Ordinal);
        var annotators = project.Annotators;
        var annotatorIndex = annotators.Select((a, i) => (a, i)).ToDictionary(x => x.a, x => x.i, StringComparer.Ordinal);
        var decisions = adjudications.GroupBy(a => (a.Item, a.Field)).ToDictionary(g => g.Key, g => g.MaxBy(a => a.At)!);
        var goldAnswers = gold.ToDictionary(g => (g.Item, g.Field), g => g.Values);

        var fields = new List<FieldAgreement>();
        var consensus = new List<ConsensusValue>();
        var adjudication = new List<AdjudicationItem>();
        var quality = annotators.ToDictionary(a => a, _ => new Tally(), StringComparer.Ordinal);
        var everyone = new Tally(); // every answer: an annotator's others are everyone less the annotator
        foreach (var field in project.Fields)
        {
            var answers = labels.Where(l => l.Field == field.Name).ToList();
            var byItem = answers.ToLookup(a => a.Item, StringComparer.Ordinal);
            var outcome = field.Kind switch
            {
                LabelFieldKind.Text => TextConsensus(items, byItem),
                LabelFieldKind.MultiLabel => MultiLabel(project, field, items, itemIndex, annotatorIndex, answers, bootstrapResamples),
                _ => SingleValued(project, field, items, itemIndex, annotatorIndex, answers, bootstrapResamples),
            };
            if (outcome.Agreement is not null)
            {
                fields.Add(outcome.Agreement);
            }

            for (var i = 0; i < items.Length; i++)
            {
                var item = items[i];
                var (values, confidence, flag) = outcome.Items[i];
                if (decisions.TryGetValue((item, field.Name), out var decision))
                {
                    consensus.Add(new ConsensusValue(item, field.Name, decision.Values, 1, true));
                }
                else
                {
                    consensus.Add(new ConsensusValue(item, field.Name, values, confidence, false));
                }

                if (flag is not null)
                {
                    adjudication.Add(new AdjudicationItem(item, field.Name, flag, confidence,
                        byItem[item].ToDictionary(a => a.Annotator, a => string.Join("|", a.Values), StringComparer.Ordinal), decision));
                }

                if (!field.IsGated)
                {
                    continue;
                }

                var labelsOnItem = byItem[item].Count();
                foreach (var answer in byItem[item])
                {
                    var tally = quality[answer.Annotator];
                    tally.Labels++;
                    tally.Count(field.Name, answer.Values);
                    everyone.Count(field.Name, answer.Values);

                    if (goldAnswers.TryGetValue((item, field.Name), out var expected))
                    {
                        tally.GoldLabels++;
                        tally.GoldCorrect += Same(field, expected, answer.Values) ? 1 : 0;
                    }

                    if (labelsOnItem >= 2 && values is not null && field.Kind != LabelFieldKind.Numeric)
                    {
                        tally.ConsensusLabels++;
                        tally.ConsensusAgreeing += Same(field, values, answer.Values) ? 1 : 0;
                    }
                }
            }
        }

        var annotatorQuality = annotators.Select(a =>
        {
            var t = quality[a];
            return new AnnotatorQuality(a, t.Labels, t.GoldLabels, t.GoldCorrect,
                t.GoldLabels == 0 ? null : (double)t.GoldCorrect / t.GoldLabels,
                t.ConsensusLabels == 0 ? null : (double)t.ConsensusAgreeing / t.ConsensusLabels,
                Shares(t.Given), Shares(everyone.Less(t)));
        }).ToList();

        var reasons = new List<string>();
        foreach (var f in fields.Where(f => !f.Passed))
        {
            reasons.Add(f.Value is { } v
                ? $"{f.Field}: {f.Statistic} {Format(v)} is below the publish threshold {Format(f.Publish)} ({f.Level})"
                : $"{f.Field}: {f.Statistic} is undefined (no item with two labels, or no variation in the labels)");
        }

        foreach (var a in annotatorQuality.Where(a => a.GoldAccuracy < project.MinGoldAccuracy))
        {
            reasons.Add($"annotator {a.Annotator}: gold accuracy {Format(a.GoldAccuracy!.Value)} ({a.GoldCorrect} of {a.GoldLabels}) is below the minimum {Format(project.MinGoldAccuracy)}");
        }

        var pending = adjudication.Count(a => a.Decision is null);
        if (pending > 0)
        {
            reasons.Add($"{pending} item field(s) await adjudication (llmops label adjudicate)");
        }

        if (labels.Count == 0)
        {
            reasons.Add("no labels");
        }

        return new LabelingReport(project.Name, at, items.Length, labels.Count, annotators, SnakeCase.Of(project.Consensus), fields, annotatorQuality, adjudication, reasons.Count == 0, reasons)
        {
            Consensus = consensus,
            IgnoredLabels = all.Count - labels.Count,
        };
    }

    /// <summary>Per item: the consensus values (null: none), the confidence, and why it needs adjudication (null: it does not).</summary>
    private sealed record FieldOutcome(FieldAgreement? Agreement, (IReadOnlyList<string>? Values, double Confidence, string? Flag)[] Items);

    private static FieldOutcome SingleValued(LabelingProject project, LabelField field, string[] items, Dictionary<string, int> itemIndex, Dictionary<string, int> annotatorIndex, List<LabelAnswer> answers, int resamples)
    {
        var numeric = field.Kind == LabelFieldKind.Numeric;
        var values = field.Values.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i, StringComparer.Ordinal);
        var matrix = LabelMatrix.Create(items.Length, annotatorIndex.Count, numeric ? 0 : field.Values.Count,
            [.. answers.Select(a => (itemIndex[a.Item], annotatorIndex[a.Annotator], numeric ? double.Parse(a.Values[0], CultureInfo.InvariantCulture) : values[a.Values[0]]))]);
        var scale = !numeric ? 1 : field.Min is { } min && field.Max is { } max ? max - min : Range(answers);
        var agreed = Consensus.Compute(matrix, project.Consensus, scale);
        var outcome = new (IReadOnlyList<string>?, double, string?)[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var label = agreed.Items[i];
            IReadOnlyList<string>? value = label.Value is not { } v ? null : [numeric ? v.ToString(CultureInfo.InvariantCulture) : field.Values[(int)v]];
            outcome[i] = (value, label.Confidence, Flag(project, label, matrix.ValuesOf(i).Length));
        }

        var names = annotatorIndex.OrderBy(a => a.Value).Select(a => a.Key).ToArray();
        var categorical = numeric ? null : CategoricalAgreement.Compute(matrix);
        // Nominal alpha comes with the categorical pass; the other metrics need their own.
        var alpha = categorical is not null && field.Metric == AlphaMetric.Nominal ? categorical.NominalAlpha : KrippendorffAlpha.Compute(matrix, field.Metric);
        var interval = resamples >= 2 && alpha is not null ? KrippendorffAlpha.Bootstrap(matrix, field.Metric, resamples) : null;
        IReadOnlyList<PairKappa> pairs = [];
        var confusion = new Dictionary<string, long[]>(StringComparer.Ordinal);
        if (!numeric)
        {
            // One pass counts each pair's confusion matrix; the weighted kappas of an ordinal field come from the same matrices.
            var k = field.Values.Count;
            var ordinal = field.Kind == LabelFieldKind.Ordinal;
            pairs = [.. CohenKappa.Pairwise(matrix).Select(p => new PairKappa(names[p.A], names[p.B], p.Items, p.Kappa,
                ordinal ? CohenKappa.FromConfusion(p.Confusion, k, KappaWeights.Linear).Kappa : null,
                ordinal ? CohenKappa.FromConfusion(p.Confusion, k, KappaWeights.Quadratic).Kappa : null))];
            for (var i = 0; i < items.Length; i++)
            {
                if (agreed.Items[i].Value is not { } truth)
                {
                    continue;
                }

                var who = matrix.AnnotatorsOf(i);
                var given = matrix.ValuesOf(i);
                for (var j = 0; j < who.Length; j++)
                {
                    if (!confusion.TryGetValue(names[who[j]], out var cells))
                    {
                        confusion[names[who[j]]] = cells = new long[k * k];
                    }

                    cells[((int)truth * k) + (int)given[j]]++;
                }
            }
        }

        double? meanKappa = pairs.Count == 0 ? null : pairs.Select(p => field.Kind == LabelFieldKind.Ordinal ? p.LinearKappa : p.Kappa).Average();
        return new FieldOutcome(
            Agreement(field, matrix.ItemCount, matrix.LabelCount, alpha, interval, categorical, meanKappa, pairs, confusion),
            outcome);
    }

    private static FieldOutcome MultiLabel(LabelingProject project, LabelField field, string[] items, Dictionary<string, int> itemIndex, Dictionary<string, int> annotatorIndex, List<LabelAnswer> answers, int resamples)
    {
        // Each value as its own present/absent field; statistics are averaged over the values.
        var chosen = new HashSet<string>[items.Length];
        var confidence = Enumerable.Repeat(1.0, items.Length).ToArray();
        var flags = new string?[items.Length];
        var alphas = new List<double?>();
        var lows = new List<double?>();
        var highs = new List<double?>();
        var categorical = new List<CategoricalAgreement>();
        var kappas = new List<double?>();
        var labelCount = 0;
        foreach (var value in field.Values)
        {
            var matrix = LabelMatrix.Create(items.Length, annotatorIndex.Count, 2,
                [.. answers.Select(a => (itemIndex[a.Item], annotatorIndex[a.Annotator], a.Values.Contains(value, StringComparer.Ordinal) ? 1.0 : 0.0))]);
            labelCount = matrix.LabelCount;
            var agreed = Consensus.Compute(matrix, project.Consensus);
            for (var i = 0; i < items.Length; i++)
            {
                var label = agreed.Items[i];
                chosen[i] ??= [];
                if (label.Value == 1)
                {
                    chosen[i].Add(value);
                }

                confidence[i] = Math.Min(confidence[i], label.Confidence);
                flags[i] ??= Flag(project, label, matrix.ValuesOf(i).Length) is { } flag ? $"{value}: {flag}" : null;
            }

            var agreement = CategoricalAgreement.Compute(matrix);
            var alpha = agreement.NominalAlpha;
            var interval = resamples >= 2 && alpha is not null ? KrippendorffAlpha.Bootstrap(matrix, AlphaMetric.Nominal, resamples) : null;
            alphas.Add(alpha);
            lows.Add(interval?.Low);
            highs.Add(interval?.High);
            categorical.Add(agreement);
            var pairs = CohenKappa.Pairwise(matrix);
            kappas.Add(pairs.Count == 0 ? null : pairs.Select(p => p.Kappa).Average());
        }

        var outcome = new (IReadOnlyList<string>?, double, string?)[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            IReadOnlyList<string> set = [.. field.Values.Where(chosen[i].Contains)];
            outcome[i] = (answers.Count == 0 ? null : set, confidence[i], flags[i]);
        }

        var mean = new CategoricalAgreement(Mean(categorical.Select(c => c.PercentAgreement)), Mean(categorical.Select(c => c.FleissKappa)), Mean(categorical.Select(c => c.GwetAc1)), Mean(categorical.Select(c => c.NominalAlpha)), categorical.Max(c => c.PairableItems));
        return new FieldOutcome(
            Agreement(field, items.Length, labelCount, Mean(alphas), Mean(lows) is { } low && Mean(highs) is { } high ? (low, high) : null, mean, Mean(kappas), [], new Dictionary<string, long[]>()),
            outcome);
    }

    private static FieldOutcome TextConsensus(string[] items, ILookup<string, LabelAnswer> byItem)
    {
        var outcome = new (IReadOnlyList<string>?, double, string?)[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var given = byItem[items[i]].Select(a => a.Values.Count == 0 ? "" : a.Values[0]).Where(v => v.Length > 0).ToList();
            var top = given.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
            outcome[i] = (top is null ? null : [top.Key], top is null ? 0 : (double)top.Count() / given.Count, null);
        }

        return new FieldOutcome(null, outcome);
    }

    private static FieldAgreement Agreement(LabelField field, int items, int labels, double? alpha, (double Low, double High)? interval, CategoricalAgreement? categorical, double? meanKappa, IReadOnlyList<PairKappa> pairs, IReadOnlyDictionary<string, long[]> confusion)
    {
        var value = field.Statistic switch
        {
            AgreementStatistic.KrippendorffAlpha => alpha,
            AgreementStatistic.FleissKappa => categorical?.FleissKappa,
            AgreementStatistic.CohenKappa => meanKappa,
            AgreementStatistic.GwetAc1 => categorical?.GwetAc1,
            _ => categorical?.PercentAgreement,
        };
        var level = value is not { } v ? "undefined" : v >= field.Publish ? "reliable" : v >= field.Tentative ? "tentative" : "unreliable";
        return new FieldAgreement(field.Name, SnakeCase.Of(field.Kind), SnakeCase.Of(field.Statistic), value, field.Publish, field.Tentative, level, value >= field.Publish,
            items, labels, alpha, interval?.Low, interval?.High, categorical?.PercentAgreement, categorical?.FleissKappa, categorical?.GwetAc1, meanKappa,
            field.Values, pairs, confusion);
    }

    /// <summary>Why an item's consensus needs a reviewer, or null: a tie, or confidence under the project's threshold.</summary>
    private static string? Flag(LabelingProject project, ConsensusLabel label, int labels)
    {
        if (labels == 0)
        {
            return null;
        }

        if (label.Tied)
        {
            return "tie";
        }

        return label.Confidence < project.AdjudicateBelow ? $"confidence {Format(label.Confidence)} below {Format(project.AdjudicateBelow)}" : null;
    }

    private static bool Same(LabelField field, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        if (field.Kind == LabelFieldKind.Numeric)
        {
            var e = double.Parse(expected[0], CultureInfo.InvariantCulture);
            var a = double.Parse(actual[0], CultureInfo.InvariantCulture);
            return Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e));
        }

        return expected.ToHashSet(StringComparer.Ordinal).SetEquals(actual);
    }

    private static double Range(List<LabelAnswer> answers)
    {
        var numbers = answers.Select(a => double.Parse(a.Values[0], CultureInfo.InvariantCulture)).ToList();
        return numbers.Count == 0 ? 1 : Math.Max(numbers.Max() - numbers.Min(), double.Epsilon);
    }

    private static double? Mean(IEnumerable<double?> values)
    {
        var defined = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        return defined.Count == 0 ? null : defined.Average();
    }

    private static Dictionary<string, IReadOnlyDictionary<string, double>> Shares(Dictionary<string, Dictionary<string, long>> counts) =>
        counts.ToDictionary(
            f => f.Key,
            f => (IReadOnlyDictionary<string, double>)f.Value.ToDictionary(v => v.Key, v => (double)v.Value / Math.Max(1, f.Value.Values.Sum()), StringComparer.Ordinal),
            StringComparer.Ordinal);

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>One annotator's running counts.</summary>
    private sealed class Tally
    {
        public int Labels { get; set; }

        public int GoldLabels { get; set; }

        public int GoldCorrect { get; set; }

        public int ConsensusLabels { get; set; }

        public int ConsensusAgreeing { get; set; }

        /// <summary>Per field, how often each value was given.</summary>
        public Dictionary<string, Dictionary<string, long>> Given { get; } = new(StringComparer.Ordinal);

        /// <summary>Per field, how many answers (a multi-label answer may give no value).</summary>
        private Dictionary<string, long> Answers { get; } = new(StringComparer.Ordinal);

        public void Count(string field, IReadOnlyList<string> values)
        {
            Answers[field] = Answers.GetValueOrDefault(field) + 1;
            if (!Given.TryGetValue(field, out var perValue))
            {
                Given[field] = perValue = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            foreach (var value in values)
            {
                perValue[value] = perValue.GetValueOrDefault(value) + 1;
            }
        }

        /// <summary>These counts less <paramref name="one"/>'s: the fields others answered, and the values they gave.</summary>
        public Dictionary<string, Dictionary<string, long>> Less(Tally one) =>
            Given.Where(f => Answers[f.Key] > one.Answers.GetValueOrDefault(f.Key)).ToDictionary(
                f => f.Key,
                f => f.Value
                    .Select(v => (v.Key, Count: v.Value - (one.Given.TryGetValue(f.Key, out var own) ? own.GetValueOrDefault(v.Key) : 0)))
                    .Where(v => v.Count > 0)
                    .ToDictionary(v => v.Key, v => v.Count, StringComparer.Ordinal),
                StringComparer.Ordinal);
    }
}
