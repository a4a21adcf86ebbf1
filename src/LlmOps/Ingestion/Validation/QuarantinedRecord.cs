namespace LlmOps.Ingestion.Validation;

/// <summary>A record that did not make it into the dataset, with the rule, line and field that stopped it.</summary>
public sealed record QuarantinedRecord(long Line, string Rule, string? Field, string Reason, IReadOnlyDictionary<string, object?>? Fields)
{
    /// <summary>For a duplicate (rule <c>dedup</c>), the line of the first record with its content; not written to quarantine.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long? DuplicateOf { get; init; }

    /// <summary>For an update quarantined by <c>on_update</c>, the record it would have been; not written to quarantine.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Datasets.DatasetRecord? Record { get; init; }
}
