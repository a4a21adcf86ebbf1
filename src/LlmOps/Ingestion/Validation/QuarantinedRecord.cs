namespace LlmOps.Ingestion.Validation;

/// <summary>A record that did not make it into the dataset, with the rule, line and field that stopped it.</summary>
public sealed record QuarantinedRecord(long Line, string Rule, string? Field, string Reason, IReadOnlyDictionary<string, object?>? Fields);
