using LlmOps.Ingestion.Validation;

namespace LlmOps.Labeling;

/// <summary>
/// A label file read against its project: the answers accepted, every rejected one with its reason (as the ETL's
/// quarantine records: location, rule, field, reason, what was given), and how many annotations were cancelled
/// (Label Studio's skip: not a label, not an error).
/// </summary>
public sealed record LabelImport(IReadOnlyList<LabelAnswer> Accepted, IReadOnlyList<QuarantinedRecord> Quarantined, int Cancelled);
