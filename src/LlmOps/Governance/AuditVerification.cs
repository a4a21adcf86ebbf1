namespace LlmOps.Governance;

/// <summary>The result of <c>llmops audit verify</c>: how many entries held, and the first problem (null when the log is whole).</summary>
public sealed record AuditVerification(long Entries, int Segments, long Bytes, string? Problem, long? FirstBadSeq)
{
    public bool Valid => Problem is null;
}
