namespace LlmOps.Lifecycle;

/// <summary>
/// The <c>retention</c> section: how many days each kind of a feature's data is kept, by the Retention timer. A kind
/// left out is kept for the deployment's ceiling (<see cref="Compliance.RetentionOptions"/>, the same numbers as the
/// storage account's lifecycle rules in Azure). Dataset versions, indexes, runs and registry entries are never
/// expired: erasure is how personal data leaves them.
/// </summary>
/// <param name="RawDays">Drops under the feature's sources in <c>raw/</c>.</param>
/// <param name="QuarantineDays">Rejected records and unreadable files in <c>quarantine/</c> (its sources and its feedback drops).</param>
/// <param name="TracesDays">Traces and their scores: the rows of table <c>feedback</c> and the analytics Parquet parts.</param>
/// <param name="FeedbackDays">Feedback files dropped under <c>feedback/&lt;feature&gt;/</c>.</param>
/// <param name="ReportsDays">Drift reports, gate reports and labeling QA reports of the feature.</param>
/// <param name="TaskSetsDays">Labeling task sets of the feature's projects.</param>
public sealed record RetentionSettings(int? RawDays, int? QuarantineDays, int? TracesDays, int? FeedbackDays, int? ReportsDays, int? TaskSetsDays)
{
    /// <summary>The longest a lifecycle may ask for (ten years).</summary>
    public const int MaxDays = 3650;

    public static RetentionSettings None { get; } = new(null, null, null, null, null, null);
}
