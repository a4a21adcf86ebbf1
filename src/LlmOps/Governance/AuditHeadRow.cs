using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>
/// The head of the audit log in table <c>audit</c> (RowKey <c>head</c>): the last entry's number and hash, and where
/// the next line goes (segment blob and its length). The log blobs are the truth; the head is repaired from them.
/// </summary>
public sealed class AuditHeadRow : TableRow
{
    public long Seq { get; set; }

    public string Hash { get; set; } = AuditChain.Genesis;

    public int Segment { get; set; }

    public int SegmentEntries { get; set; }

    public long SegmentLength { get; set; }
}
