using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>An entry of the audit log indexed in table <c>audit</c> (RowKey <c>e|</c> and the inverted number, newest first).</summary>
public sealed class AuditIndexRow : TableRow
{
    public long Seq { get; set; }

    public DateTimeOffset At { get; set; }

    public string Who { get; set; } = "";

    public string WhoName { get; set; } = "";

    public string Action { get; set; } = "";

    public string Target { get; set; } = "";

    public string? Feature { get; set; }

    public string? Why { get; set; }

    public string? Before { get; set; }

    public string? After { get; set; }

    public string Prev { get; set; } = "";

    public string Hash { get; set; } = "";

    public int Segment { get; set; }

    internal AuditEntry ToEntry() => new(Seq, At, Who, WhoName, Action, Target, Feature, Why, Before, After, Prev, Hash);
}
