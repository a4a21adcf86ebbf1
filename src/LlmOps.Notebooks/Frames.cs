using LlmOps.Datasets;
using LlmOps.Evaluation;
using LlmOps.Ingestion;
using LlmOps.Storage;
using LlmOps.Tracking;
using Microsoft.Data.Analysis;

namespace LlmOps.Notebooks;

/// <summary>DataFrame views of runs, dataset versions and quarantine, for comparing and charting in cells.</summary>
public static class Frames
{
    /// <summary>One row per run: id, name, status, every param (as text) and the latest value of every metric.</summary>
    public static DataFrame Runs(IEnumerable<RunDetails> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var list = runs.ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("run", list.Select(r => r.Info.Id)),
            new StringDataFrameColumn("name", list.Select(r => r.Info.Name)),
            new StringDataFrameColumn("status", list.Select(r => r.Info.Status.ToString().ToUpperInvariant())),
        };
        foreach (var key in list.SelectMany(r => r.Params.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            columns.Add(new StringDataFrameColumn(key, list.Select(r => r.Params.GetValueOrDefault(key))));
        }

        foreach (var key in list.SelectMany(r => r.LatestMetrics.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            columns.Add(new DoubleDataFrameColumn(key, list.Select(r => r.LatestMetrics.TryGetValue(key, out var p) ? p.Value : (double?)null)));
        }

        return new DataFrame(columns);
    }

    /// <summary>
    /// One row per comparison: what was compared with what, the metric, both means, the difference (candidate -
    /// baseline) with its interval, and whether the interval excludes 0 (<c>separates</c>).
    /// </summary>
    public static DataFrame Comparisons(IEnumerable<(string Candidate, string Baseline, MetricComparison Comparison)> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var list = comparisons.ToList();
        return new DataFrame(
            new StringDataFrameColumn("candidate", list.Select(c => c.Candidate)),
            new StringDataFrameColumn("baseline", list.Select(c => c.Baseline)),
            new StringDataFrameColumn("metric", list.Select(c => c.Comparison.Metric)),
            new Int32DataFrameColumn("queries", list.Select(c => (int?)c.Comparison.Pairs)),
            new DoubleDataFrameColumn("candidate_mean", list.Select(c => (double?)Math.Round(c.Comparison.Candidate, 4))),
            new DoubleDataFrameColumn("baseline_mean", list.Select(c => (double?)Math.Round(c.Comparison.Baseline, 4))),
            new DoubleDataFrameColumn("difference", list.Select(c => (double?)Math.Round(c.Comparison.Difference, 4))),
            new DoubleDataFrameColumn("ci_low", list.Select(c => (double?)Math.Round(c.Comparison.Low, 4))),
            new DoubleDataFrameColumn("ci_high", list.Select(c => (double?)Math.Round(c.Comparison.High, 4))),
            new StringDataFrameColumn("separates", list.Select(c => c.Comparison.Low > 0 || c.Comparison.High < 0 ? "yes" : "no")));
    }

    /// <summary>One row per dataset version: id, records, chunks, tokens, quarantined and its rate, source blob, created.</summary>
    public static DataFrame Versions(IEnumerable<DatasetManifest> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var list = versions.ToList();
        return new DataFrame(
            new StringDataFrameColumn("version", list.Select(v => v.Id)),
            new Int64DataFrameColumn("records", list.Select(v => v.Records)),
            new Int64DataFrameColumn("chunks", list.Select(v => v.Chunks)),
            new Int64DataFrameColumn("tokens", list.Select(v => v.Tokens)),
            new Int64DataFrameColumn("quarantined", list.Select(v => v.Quality.Quarantined)),
            new DoubleDataFrameColumn("quarantine_rate", list.Select(v => v.Quality.QuarantineRate)),
            new StringDataFrameColumn("source_blob", list.Select(v => v.SourceBlob)),
            new StringDataFrameColumn("created", list.Select(v => v.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture))));
    }

    /// <summary>One row per ingested drop of a source (table <c>ingestions</c>): status, counts, quarantine reasons and folder.</summary>
    public static async Task<DataFrame> QuarantineAsync(StorageAccount storage, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var rows = new List<IngestionRecord>();
        await foreach (var row in new IngestionLog(storage).ListAsync(source, cancellationToken))
        {
            rows.Add(row);
        }

        rows.Sort((a, b) => b.IngestedAt.CompareTo(a.IngestedAt));
        return new DataFrame(
            new StringDataFrameColumn("blob", rows.Select(r => r.BlobName)),
            new StringDataFrameColumn("status", rows.Select(r => r.Status)),
            new Int64DataFrameColumn("read", rows.Select(r => r.Read)),
            new Int64DataFrameColumn("accepted", rows.Select(r => r.Accepted)),
            new Int64DataFrameColumn("quarantined", rows.Select(r => r.Quarantined)),
            new StringDataFrameColumn("by_rule", rows.Select(r => r.QuarantinedByRule)),
            new StringDataFrameColumn("reason", rows.Select(r => r.Reason)),
            new StringDataFrameColumn("folder", rows.Select(r => r.QuarantineFolder)));
    }
}
