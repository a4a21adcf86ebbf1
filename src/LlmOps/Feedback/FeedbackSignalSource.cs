using System.Globalization;
using LlmOps.Drift;

namespace LlmOps.Feedback;

/// <summary>
/// A drift quality signal from production feedback: one value per trace of the feature (a SQL expression over the
/// trace <c>t</c> and its per-trace scores <c>s</c>), read with DuckDB from the analytics Parquet for the reference and
/// current windows. Runs only when the lifecycle's <c>drift.signals</c> names it, with its thresholds and action.
/// </summary>
public abstract class FeedbackSignalSource(FeedbackAnalytics analytics) : IQualitySignalSource
{
    public abstract string Signal { get; }

    public bool OnlyWhenConfigured => true;

    public virtual bool HigherIsBetter => false;

    public virtual double? Quantile => null;

    public virtual bool Relative => false;

    /// <summary>The per-trace value: SQL over <c>t</c> (the trace) and <c>s</c> (thumbs, corrected, escalated); traces where it is null are left out.</summary>
    protected abstract string ValueSql { get; }

    public async Task<(IReadOnlyList<double> Reference, IReadOnlyList<double> Current)> ReadAsync(string feature, DateTimeOffset referenceFrom, DateTimeOffset currentFrom, DateTimeOffset until, CancellationToken cancellationToken)
    {
        using var query = await analytics.OpenAsync(feature, referenceFrom, cancellationToken);
        var rows = query.Rows($"""
            WITH s AS ({FeedbackAnalytics.PerTraceScores})
            SELECT t.Time >= {FeedbackQuery.Timestamp(currentFrom)} AS is_current, CAST({ValueSql} AS DOUBLE) AS v
            FROM answers t LEFT JOIN s ON s.TraceId = t.Id
            WHERE t.Time >= {FeedbackQuery.Timestamp(referenceFrom)} AND t.Time < {FeedbackQuery.Timestamp(until)} AND ({ValueSql}) IS NOT NULL
            """);
        var reference = new List<double>();
        var current = new List<double>();
        foreach (var row in rows)
        {
            ((bool)row["is_current"]! ? current : reference).Add(Convert.ToDouble(row["v"], CultureInfo.InvariantCulture));
        }

        return (reference, current);
    }
}
