namespace LlmOps.Datasets;

/// <summary>What an erased dataset or index version leaves beside its manifest (<c>tombstone.json</c>): what was erased, when, by which erasure, and what replaced it.</summary>
public sealed record ErasureTombstone(string Id, string Erasure, DateTimeOffset ErasedAt, long RecordsRemoved, string Successor)
{
    public const string FileName = "tombstone.json";
}
