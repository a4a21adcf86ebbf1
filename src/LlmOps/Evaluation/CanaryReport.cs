namespace LlmOps.Evaluation;

/// <summary>
/// A canary check: the canary and stable deployments of a name in an environment, their production traces since
/// <see cref="Since"/>, one row per metric (the canary as candidate, the stable deployment as baseline, with the
/// interval of the difference), the metrics still short of their minimum of requests, and the decision:
/// <see cref="Promote"/>, <see cref="RollBack"/> or <see cref="Wait"/>.
/// </summary>
public sealed record CanaryReport(
    string Id,
    string Name,
    string Feature,
    string Environment,
    string Canary,
    string CanaryVersion,
    int CanaryPercent,
    string Stable,
    string StableVersion,
    DateTimeOffset Since,
    long CanaryRequests,
    long StableRequests,
    double Confidence,
    IReadOnlyList<GateRow> Rows,
    IReadOnlyList<string> Waiting,
    string Decision,
    DateTimeOffset At)
{
    public const string Promote = "promote";
    public const string RollBack = "roll_back";
    public const string Wait = "wait";

    public IEnumerable<string> Failures => Rows.Where(r => !r.Passed).Select(r => $"{r.Metric}: {r.Failure}");

    /// <summary>Why <paramref name="metric"/> is not decided yet (too few observations), or null when it is.</summary>
    public string? WaitingFor(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var prefix = metric + ": ";
        return Waiting.FirstOrDefault(w => w.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }
}
