using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>
/// Settings of section <c>LlmOps:Retention</c>: the ceiling of each kind of data, in days. A lifecycle's
/// <c>retention</c> may ask for less; a kind it leaves out is kept this long. In Azure, Bicep sets these from the
/// same parameter as the storage account's lifecycle rules, so the two never disagree.
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "LlmOps:Retention";

    public int RawDays { get; set; } = 90;

    public int QuarantineDays { get; set; } = 90;

    public int TracesDays { get; set; } = 365;

    public int FeedbackDays { get; set; } = 90;

    public int ReportsDays { get; set; } = 365;

    public int TaskSetsDays { get; set; } = 365;
}
