using LlmOps.Labeling;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Labeling;

public sealed class LabelQualityEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Intents = ["billing", "tech", "other"];

    private static LabelingProject Project(string extra = "", string fields = "[{ name: intent, kind: categorical, values: [billing, tech, other] }]", string annotators = "[ana, ben, chloe]", int overlap = 3) =>
        new LifecycleBuilder("support").Section($"""
            labeling:
              projects:
                - name: intents
                  source: {"{"} review_batches: true {"}"}
                  fields: {fields}
                  annotators: {annotators}
                  overlap: {overlap}
            {extra}
            """).Parse().Labeling[0];

    private static LabelAnswer Answer(int item, string annotator, string value, string field = "intent") => new($"item-{item:000}", annotator, field, [value]);

    /// <summary>60 items with a true intent each; every annotator gives it, except where <paramref name="wrong"/> says.</summary>
    private static List<LabelAnswer> Labels(Func<int, string, bool> wrong) =>
        [.. Enumerable.Range(0, 60).SelectMany(item => new[] { "ana", "ben", "chloe" }.Select(a => Answer(item, a, wrong(item, a) ? Intents[(item + 1) % 3] : Intents[item % 3])))];

    [Fact]
    public void Evaluate_AgreeingAnnotators_IsPublishableWithTheTrueConsensus()
    {
        var report = LabelQualityEvaluator.Evaluate(Project(), Labels((item, a) => a == "chloe" && item % 10 == 0), [], [], Now, bootstrapResamples: 200);

        Assert.True(report.Publishable, string.Join("; ", report.Reasons));
        var field = Assert.Single(report.Fields);
        Assert.Equal(("krippendorff_alpha", "reliable", true), (field.Statistic, field.Level, field.Passed));
        Assert.InRange(field.Value!.Value, 0.85, 0.99);
        Assert.InRange(field.Value.Value, field.AlphaLow!.Value, field.AlphaHigh!.Value);
        Assert.Equal(3, field.PairwiseKappa.Count);
        Assert.Equal((60, 180), (report.Items, report.Labels));
        Assert.All(report.Consensus, c => Assert.Equal(Intents[int.Parse(c.Item[5..], System.Globalization.CultureInfo.InvariantCulture) % 3], Assert.Single(c.Values!)));
        Assert.Empty(report.Adjudication);
        var chloe = report.AnnotatorQuality.Single(a => a.Annotator == "chloe");
        Assert.Equal(54.0 / 60, chloe.ConsensusAgreement!.Value, 10);
        Assert.Equal(1.0, report.AnnotatorQuality.Single(a => a.Annotator == "ana").ConsensusAgreement);
        // Chloe's confusion against the consensus: six labels off the diagonal.
        Assert.Equal(6, chloe.Labels - Enumerable.Range(0, 3).Sum(t => field.ConsensusConfusion["chloe"][(t * 3) + t]));
    }

    [Fact]
    public void Evaluate_OrdinalField_PairKappasMatchScikitLearnWeights()
    {
        // The ties-2x3 vectors (generate.py): scikit-learn gives 0.0909 unweighted, 0.1111 linear, 0.1304 quadratic.
        string[] levels = ["low", "mid", "high"];
        (int A, int B)[] pairs = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 0), (0, 2), (1, 2), (2, 1), (0, 0)];
        var labels = pairs.SelectMany((p, i) => new[] { Answer(i, "ana", levels[p.A], "level"), Answer(i, "ben", levels[p.B], "level") }).ToList();
        var project = Project(fields: "[{ name: level, kind: ordinal, values: [low, mid, high], statistic: cohen_kappa }]", annotators: "[ana, ben]", overlap: 2);

        var pair = Assert.Single(LabelQualityEvaluator.Evaluate(project, labels, [], [], Now, bootstrapResamples: 0).Fields[0].PairwiseKappa);

        Assert.Equal(0.0909090909, pair.Kappa!.Value, 9);
        Assert.Equal(0.1111111111, pair.LinearKappa!.Value, 9);
        Assert.Equal(0.1304347826, pair.QuadraticKappa!.Value, 9);
    }

    [Fact]
    public void Evaluate_AnswersTheProjectNoLongerHas_AreIgnoredAndCounted()
    {
        var labels = Labels((_, _) => false);
        labels.Add(new LabelAnswer("item-000", "zoe", "intent", ["billing"]));
        labels.Add(new LabelAnswer("item-001", "ana", "mood", ["happy"]));
        labels.Add(new LabelAnswer("item-002", "ben", "intent", ["refund"]));

        var report = LabelQualityEvaluator.Evaluate(Project(), labels, [], [], Now, bootstrapResamples: 0);

        Assert.Equal((180, 3), (report.Labels, report.IgnoredLabels));
        Assert.True(report.Publishable, string.Join("; ", report.Reasons));
    }

    [Fact]
    public void Evaluate_LabelDistribution_EachAnnotatorAgainstTheOthers()
    {
        // Ana and Ben give each intent to a third of the items; Chloe says "other" every time.
        var labels = Labels((_, _) => false).Select(l => l.Annotator == "chloe" ? l with { Values = ["other"] } : l).ToList();

        var quality = LabelQualityEvaluator.Evaluate(Project(), labels, [], [], Now, bootstrapResamples: 0).AnnotatorQuality.ToDictionary(a => a.Annotator);

        Assert.Equal(1.0, quality["chloe"].Distribution["intent"]["other"]);
        Assert.All(Intents, intent => Assert.Equal(1.0 / 3, quality["chloe"].OthersDistribution["intent"][intent], 12));
        Assert.Equal((1.0 / 6, 1.0 / 6, 2.0 / 3), (quality["ana"].OthersDistribution["intent"]["billing"], quality["ana"].OthersDistribution["intent"]["tech"], quality["ana"].OthersDistribution["intent"]["other"]));
    }

    [Fact]
    public void Evaluate_RandomLabels_IsRefusedNamingTheFieldAndStatistic()
    {
        var random = new Random(3);
        var labels = Enumerable.Range(0, 60).SelectMany(item => new[] { "ana", "ben", "chloe" }.Select(a => Answer(item, a, Intents[random.Next(3)]))).ToList();

        var report = LabelQualityEvaluator.Evaluate(Project(), labels, [], [], Now, bootstrapResamples: 0);

        Assert.False(report.Publishable);
        var field = Assert.Single(report.Fields);
        Assert.Equal(("unreliable", false), (field.Level, field.Passed));
        Assert.Null(field.AlphaLow);
        Assert.Contains(report.Reasons, r => r.StartsWith("intent: krippendorff_alpha ", StringComparison.Ordinal) && r.Contains("below the publish threshold 0.8", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_AnnotatorBelowGoldMinimum_IsRefusedNamingTheAnnotator()
    {
        var project = Project() with { MinGoldAccuracy = 0.8 };
        var gold = Enumerable.Range(0, 10).Select(item => new LabelAnswer($"item-{item:000}", LabelQualityEvaluator.GoldAnnotator, "intent", [Intents[item % 3]])).ToList();
        // Ben is wrong on 4 of the 10 gold items; everyone agrees elsewhere.
        var labels = Labels((item, a) => a == "ben" && item < 4);

        var report = LabelQualityEvaluator.Evaluate(project, labels, gold, [], Now, bootstrapResamples: 0);

        var ben = report.AnnotatorQuality.Single(a => a.Annotator == "ben");
        Assert.Equal((10, 6, 0.6), (ben.GoldLabels, ben.GoldCorrect, ben.GoldAccuracy!.Value));
        Assert.Equal(1.0, report.AnnotatorQuality.Single(a => a.Annotator == "ana").GoldAccuracy);
        Assert.False(report.Publishable);
        Assert.Contains("annotator ben: gold accuracy 0.6 (6 of 10) is below the minimum 0.8", report.Reasons);
        Assert.DoesNotContain(report.Reasons, r => r.Contains("annotator ana", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_Tie_GoesToAdjudicationUntilDecided()
    {
        var project = Project(annotators: "[ana, ben]", overlap: 2);
        var labels = Enumerable.Range(0, 40).SelectMany(item => new[] { Answer(item, "ana", Intents[item % 3]), Answer(item, "ben", item == 7 ? "other" : Intents[item % 3]) }).ToList();

        var before = LabelQualityEvaluator.Evaluate(project, labels, [], [], Now, bootstrapResamples: 0);

        var pending = Assert.Single(before.Adjudication);
        Assert.Equal(("item-007", "intent", "tie"), (pending.Item, pending.Field, pending.Reason));
        Assert.Equal(new Dictionary<string, string> { ["ana"] = "tech", ["ben"] = "other" }, pending.Labels);
        Assert.Null(pending.Decision);
        Assert.Null(before.Consensus.Single(c => c.Item == "item-007").Values);
        Assert.Contains("1 item field(s) await adjudication (llmops label adjudicate)", before.Reasons);
        Assert.False(before.Publishable);

        var decision = new Adjudication("item-007", "intent", ["tech"], "lead", "the ticket asks about a login error", Now);
        var after = LabelQualityEvaluator.Evaluate(project, labels, [], [decision], Now, bootstrapResamples: 0);

        Assert.True(after.Publishable, string.Join("; ", after.Reasons));
        Assert.Equal(decision, Assert.Single(after.Adjudication).Decision);
        Assert.Equal(new ConsensusValue("item-007", "intent", decision.Values, 1, true), after.Consensus.Single(c => c.Item == "item-007"));
    }

    [Fact]
    public void Evaluate_MultiLabelNumericAndText_EachGetTheirStatistic()
    {
        var project = Project(fields: "[{ name: topics, kind: multi_label, values: [refund, login, bug] }, { name: helpful, kind: numeric, min: 1, max: 5 }, { name: correction, kind: text }]");
        var labels = new List<LabelAnswer>();
        foreach (var item in Enumerable.Range(0, 30))
        {
            foreach (var a in new[] { "ana", "ben", "chloe" })
            {
                IReadOnlyList<string> given = (item % 3) switch { 0 => ["refund"], 1 => ["login", "bug"], _ => [] };
                labels.Add(new LabelAnswer($"item-{item:000}", a, "topics", a == "chloe" && item == 4 ? ["login"] : given));
                labels.Add(Answer(item, a, (1 + (item % 5) + (a == "ben" && item % 6 == 0 ? 1 : 0)).ToString(System.Globalization.CultureInfo.InvariantCulture), "helpful"));
                labels.Add(Answer(item, a, a == "ana" ? "Refund was issued." : "Refund issued.", "correction"));
            }
        }

        var report = LabelQualityEvaluator.Evaluate(project, labels, [], [], Now, bootstrapResamples: 100);

        Assert.Equal(["topics", "helpful"], report.Fields.Select(f => f.Field));
        var topics = report.Fields[0];
        Assert.Equal("multi_label", topics.Kind);
        Assert.InRange(topics.Value!.Value, 0.85, 1.0);
        Assert.Equal(["login", "bug"], report.Consensus.Single(c => c.Item == "item-004" && c.Field == "topics").Values);
        Assert.Equal([], report.Consensus.Single(c => c.Item == "item-002" && c.Field == "topics").Values);
        var helpful = report.Fields[1];
        Assert.Equal(("numeric", "krippendorff_alpha"), (helpful.Kind, helpful.Statistic));
        Assert.Null(helpful.FleissKappa);
        Assert.InRange(helpful.Value!.Value, 0.8, 1.0);
        Assert.Equal(["Refund issued."], report.Consensus.Single(c => c.Item == "item-000" && c.Field == "correction").Values);
        Assert.True(report.Publishable, string.Join("; ", report.Reasons));
    }
}
