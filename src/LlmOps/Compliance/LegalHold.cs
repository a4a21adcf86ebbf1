using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>
/// A legal hold: retention deletes nothing <paramref name="Id"/> was derived from (its upstream lineage), or, for
/// <c>feature:&lt;name&gt;</c>, nothing of that feature at all, until the hold is released.
/// </summary>
public sealed record LegalHold(string Id, string Reason, string By, DateTimeOffset At)
{
    public const string FeaturePrefix = "feature:";

    /// <summary>The feature a <c>feature:</c> hold covers, else null.</summary>
    public string? Feature => Id.StartsWith(FeaturePrefix, StringComparison.Ordinal) ? Id[FeaturePrefix.Length..] : null;
}
