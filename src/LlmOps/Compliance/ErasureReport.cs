using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>
/// One erasure (<c>erasure:&lt;ulid&gt;</c>, stored as <c>reports/erasure/&lt;ulid&gt;.json</c> unless a dry run): the
/// subject as its keyed hash (never the value), and per place what was removed; a version or index rewritten names its
/// successor. Nothing in it identifies the person.
/// </summary>
public sealed record ErasureReport(string Id, string Subject, string SubjectType, string? Field, DateTimeOffset At, bool DryRun, IReadOnlyList<ErasureItem> Items)
{
    public const string Folder = "erasure/";

    public long Removed => Items.Sum(i => i.Removed);
}

/// <summary>
/// What erasure removed from one place: <see cref="Store"/> (raw, quarantine, dataset, index, traces, scores,
/// trace_parts, score_parts, feedback, labels; registry, alias and deployment for what it replaced or moved), its name,
/// how many records, the successor of a rewritten version, and a note (a move waiting for approval).
/// </summary>
public sealed record ErasureItem(string Store, string Name, long Removed, string? Successor = null, string? Note = null);
