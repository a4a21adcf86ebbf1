using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>
/// One retention run (<c>retention:&lt;ulid&gt;</c>, stored as <c>reports/retention/&lt;ulid&gt;.json</c> unless a dry run):
/// what each feature's rules deleted, what they would have deleted but kept because a deployment, an alias or a legal
/// hold needs it, and the features a hold exempted.
/// </summary>
public sealed record RetentionReport(
    string Id,
    DateTimeOffset At,
    bool DryRun,
    IReadOnlyList<RetentionResult> Results,
    int ProtectedIds,
    IReadOnlyList<string> HeldFeatures,
    IReadOnlyList<string> Warnings)
{
    public const string Folder = "retention/";

    public int Deleted => Results.Sum(r => r.Deleted);

    public int Kept => Results.Sum(r => r.Kept);
}

/// <summary>
/// One kind of one feature's data in a retention run: its days, the cutoff, how many items were deleted (their bytes,
/// and the first <see cref="RetentionRunner.ListedItems"/> names) and how many expired ones were kept as protected.
/// </summary>
public sealed record RetentionResult(string Feature, string Kind, int Days, DateTimeOffset Cutoff, int Deleted, long Bytes, int Kept, IReadOnlyList<string> Items);
