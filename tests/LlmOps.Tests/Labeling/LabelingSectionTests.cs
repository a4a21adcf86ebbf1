using LlmOps.Labeling;
using LlmOps.Lifecycle;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Labeling;

/// <summary>The lifecycle's labeling section: every setting, its defaults, and each rule's error.</summary>
public sealed class LabelingSectionTests
{
    private static LifecycleBuilder Lifecycle(string labeling) => new LifecycleBuilder("support")
        .Source("tickets", idField: "id", fields: [LifecycleBuilder.Id, LifecycleBuilder.Body, "channel: { type: string }"])
        .Section(labeling);

    [Fact]
    public void Project_EverySetting_IsRead()
    {
        var project = Assert.Single(Lifecycle("""
            labeling:
              projects:
                - name: ticket-intent
                  source: { dataset: tickets, filter: "channel == 'chat'", sample: 500, seed: 7 }
                  fields:
                    - { name: intent, kind: categorical, values: [billing, tech, other] }
                    - { name: topics, kind: multi_label, values: [refund, login] }
                    - { name: urgency, kind: ordinal, values: [low, medium, high], statistic: cohen_kappa, publish: 0.7 }
                    - { name: helpful, kind: numeric, min: 1, max: 5, metric: ratio }
                    - { name: correction, kind: text }
                  annotators: [ana, ben, chloe]
                  overlap: 3
                  gold: { share: 0.1, source: gold/intent.jsonl, min_accuracy: 0.75 }
                  agreement: { statistic: krippendorff_alpha, publish: 0.75, tentative: 0.6 }
                  consensus: dawid_skene
                  adjudicate_below: 0.7
            """).Parse().Labeling);

        Assert.Equal(("ticket-intent", "tickets", "channel == 'chat'", false, (int?)500, 7), (project.Name, project.Dataset, project.Filter, project.ReviewBatches, project.Sample, project.Seed));
        Assert.Equal(["ana", "ben", "chloe"], project.Annotators);
        Assert.Equal((3, 0.1, "gold/intent.jsonl", 0.75, ConsensusMethod.DawidSkene, 0.7), (project.Overlap, project.GoldShare, project.GoldSource, project.MinGoldAccuracy, project.Consensus, project.AdjudicateBelow));
        var intent = project.Field("intent")!;
        Assert.Equal((LabelFieldKind.Categorical, (double?)null, AgreementStatistic.KrippendorffAlpha, AlphaMetric.Nominal, 0.75, 0.6), (intent.Kind, intent.Min, intent.Statistic, intent.Metric, intent.Publish, intent.Tentative));
        Assert.Equal(["billing", "tech", "other"], intent.Values);
        Assert.Equal((AgreementStatistic.CohenKappa, AlphaMetric.Ordinal, 0.7, 0.6), (project.Field("urgency")!.Statistic, project.Field("urgency")!.Metric, project.Field("urgency")!.Publish, project.Field("urgency")!.Tentative));
        Assert.Equal((1.0, 5.0, AlphaMetric.Ratio), (project.Field("helpful")!.Min!.Value, project.Field("helpful")!.Max!.Value, project.Field("helpful")!.Metric));
        Assert.Equal(LabelFieldKind.MultiLabel, project.Field("topics")!.Kind);
        Assert.False(project.Field("correction")!.IsGated);
        Assert.Equal(new LabelingFilter("channel", true, "chat"), LabelingFilter.TryParse(project.Filter!));
    }

    [Fact]
    public void Project_Defaults_AreKrippendorffThresholdsMajorityVoteAndOverlapTwo()
    {
        var project = Lifecycle("""
            labeling:
              projects:
                - name: review
                  source: { review_batches: true }
                  fields: [{ name: ok, kind: categorical, values: [yes, no] }]
                  annotators: [a, b]
            """).Parse().LabelingProject("review")!;

        Assert.True(project.ReviewBatches);
        Assert.Null(project.Dataset);
        Assert.Equal((2, 0.0, "review/gold.jsonl", 0.0, ConsensusMethod.MajorityVote, 0.6), (project.Overlap, project.GoldShare, project.GoldSource, project.MinGoldAccuracy, project.Consensus, project.AdjudicateBelow));
        var field = Assert.Single(project.Fields);
        Assert.Equal((AgreementStatistic.KrippendorffAlpha, AlphaMetric.Nominal, 0.8, 0.667), (field.Statistic, field.Metric, field.Publish, field.Tentative));
    }

    [Theory]
    [InlineData("source: { dataset: nope }", "labeling.projects[0].source.dataset")]
    [InlineData("source: { dataset: tickets, review_batches: true }", "labeling.projects[0].source")]
    [InlineData("source: { dataset: tickets, filter: 'channel ~ chat' }", "labeling.projects[0].source.filter")]
    [InlineData("source: { dataset: tickets, filter: 'team == a' }", "labeling.projects[0].source.filter")]
    [InlineData("fields: [{ name: x, kind: colour, values: [a, b] }]", "labeling.projects[0].fields[0].kind")]
    [InlineData("fields: [{ name: x, kind: categorical, values: [a] }]", "labeling.projects[0].fields[0].values")]
    [InlineData("fields: [{ name: x, kind: categorical, values: [a, a] }]", "labeling.projects[0].fields[0].values")]
    [InlineData("fields: [{ name: x, kind: numeric, values: [a, b] }]", "labeling.projects[0].fields[0].values")]
    [InlineData("fields: [{ name: x, kind: numeric, min: 5, max: 1 }]", "labeling.projects[0].fields[0].max")]
    [InlineData("fields: [{ name: x, kind: numeric, statistic: fleiss_kappa }]", "labeling.projects[0].fields[0].statistic")]
    [InlineData("fields: [{ name: x, kind: categorical, values: [a, b], metric: interval }]", "labeling.projects[0].fields[0].metric")]
    [InlineData("fields: [{ name: x, kind: categorical, values: [a, b], publish: 0.5, tentative: 0.7 }]", "labeling.projects[0].fields[0].tentative")]
    [InlineData("fields: [{ name: x, kind: text }, { name: x, kind: text }]", "labeling.projects[0].fields[1].name")]
    [InlineData("fields: []", "labeling.projects[0].fields")]
    [InlineData("annotators: [solo]", "labeling.projects[0].annotators")]
    [InlineData("overlap: 3", "labeling.projects[0].overlap")]
    [InlineData("gold: { share: 0.9 }", "labeling.projects[0].gold.share")]
    [InlineData("consensus: vibes", "labeling.projects[0].consensus")]
    [InlineData("agreement: { statistic: krippendorff_alpha, colour: red }", "labeling.projects[0].agreement.colour")]
    [InlineData("name: Bad_Name", "labeling.projects[0].name")]
    public void Project_InvalidSetting_IsReportedAtItsField(string change, string field)
    {
        var settings = new Dictionary<string, string>
        {
            ["name"] = "name: review",
            ["source"] = "source: { dataset: tickets }",
            ["fields"] = "fields: [{ name: ok, kind: categorical, values: [yes, no] }]",
            ["annotators"] = "annotators: [a, b]",
        };
        settings[change.Split(':')[0]] = change;
        var yaml = "labeling:\n  projects:\n    - " + string.Join("\n      ", settings.Values);

        var error = Assert.Throws<LifecycleValidationException>(() => Lifecycle(yaml).Parse());

        Assert.Contains(error.Errors, e => e.Field == field);
    }

    [Fact]
    public void Projects_SameNameTwice_IsAnError()
    {
        const string project = "    - { name: review, source: { review_batches: true }, fields: [{ name: ok, kind: text }], annotators: [a, b] }\n";
        var error = Assert.Throws<LifecycleValidationException>(() => Lifecycle("labeling:\n  projects:\n" + project + project).Parse());
        Assert.Contains(error.Errors, e => e.Field == "labeling.projects[1].name");
    }
}
