using LlmOps.Labeling;
using Microsoft.Data.Analysis;

namespace LlmOps.Notebooks;

/// <summary>A labeling QA report for cells: agreement, annotators and disagreements as DataFrames, and the report page.</summary>
public static class LabelingViews
{
    /// <summary>One row per field: the gate's statistic, value, level and pass, and every other statistic.</summary>
    public static DataFrame Agreement(LabelingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var f = report.Fields;
        return new DataFrame(
            new StringDataFrameColumn("field", f.Select(x => x.Field)),
            new StringDataFrameColumn("kind", f.Select(x => x.Kind)),
            new StringDataFrameColumn("statistic", f.Select(x => x.Statistic)),
            new DoubleDataFrameColumn("value", f.Select(x => x.Value)),
            new StringDataFrameColumn("level", f.Select(x => x.Level)),
            new BooleanDataFrameColumn("passed", f.Select(x => x.Passed)),
            new DoubleDataFrameColumn("alpha", f.Select(x => x.Alpha)),
            new DoubleDataFrameColumn("alpha_low", f.Select(x => x.AlphaLow)),
            new DoubleDataFrameColumn("alpha_high", f.Select(x => x.AlphaHigh)),
            new DoubleDataFrameColumn("fleiss_kappa", f.Select(x => x.FleissKappa)),
            new DoubleDataFrameColumn("gwet_ac1", f.Select(x => x.GwetAc1)),
            new DoubleDataFrameColumn("mean_cohen_kappa", f.Select(x => x.MeanCohenKappa)),
            new DoubleDataFrameColumn("percent_agreement", f.Select(x => x.PercentAgreement)));
    }

    /// <summary>One row per annotator: labels, gold accuracy, agreement with the consensus.</summary>
    public static DataFrame Annotators(LabelingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var a = report.AnnotatorQuality;
        return new DataFrame(
            new StringDataFrameColumn("annotator", a.Select(x => x.Annotator)),
            new Int32DataFrameColumn("labels", a.Select(x => x.Labels)),
            new Int32DataFrameColumn("gold_labels", a.Select(x => x.GoldLabels)),
            new DoubleDataFrameColumn("gold_accuracy", a.Select(x => x.GoldAccuracy)),
            new DoubleDataFrameColumn("consensus_agreement", a.Select(x => x.ConsensusAgreement)));
    }

    /// <summary>The items in disagreement side by side: one column per annotator with their label, and the decision if any.</summary>
    public static DataFrame Disagreements(LabelingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var items = report.Adjudication;
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("item", items.Select(x => x.Item)),
            new StringDataFrameColumn("field", items.Select(x => x.Field)),
            new StringDataFrameColumn("why", items.Select(x => x.Reason)),
        };
        columns.AddRange(report.Annotators.Select(annotator => new StringDataFrameColumn(annotator, items.Select(x => x.Labels.GetValueOrDefault(annotator)))));
        columns.Add(new StringDataFrameColumn("decision", items.Select(x => x.Decision is { } d ? $"{string.Join("|", d.Values)} ({d.By}: {d.Reason})" : null)));
        return new DataFrame(columns);
    }

    /// <summary>The report page: decision, agreement, the pairwise kappa matrix, each annotator's confusion as SVG, adjudication.</summary>
    public static HtmlView Report(LabelingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var summary = report.Publishable ? "publishable" : "not publishable: " + string.Join("; ", report.Reasons);
        return new HtmlView(LabelingReportPage.RenderBody(report), $"Labeling QA of {report.Project}: {summary}");
    }
}
