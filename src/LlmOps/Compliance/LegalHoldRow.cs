using LlmOps.Storage;

using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>A legal hold in table <c>holds</c>: one partition, RowKey the encoded id.</summary>
public sealed class LegalHoldRow : TableRow
{
    public string Id { get; set; } = "";

    public string Reason { get; set; } = "";

    public string By { get; set; } = "";

    public DateTimeOffset At { get; set; }

    internal LegalHold ToHold() => new(Id, Reason, By, At);
}
