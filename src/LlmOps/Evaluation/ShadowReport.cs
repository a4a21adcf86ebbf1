namespace LlmOps.Evaluation;

/// <summary>
/// A shadow comparison: the shadow version of a deployment against the version that answered, on the same requests
/// (each shadow answer paired with the answer it shadowed) since <see cref="Since"/>, one row per gate of the lifecycle's
/// <c>gates.canary</c> (the shadow as candidate), and the verdict: <see cref="Meets"/> every gate, <see cref="FallsShort"/>
/// of one, or <see cref="Wait"/> for more pairs. Thumbs and corrections never reach a shadow answer, so user-feedback
/// metrics are listed as not observable.
/// </summary>
public sealed record ShadowReport(
    string Name,
    string Feature,
    string Environment,
    string Deployment,
    string ServedVersion,
    string ShadowVersion,
    int ShadowPercent,
    DateTimeOffset Since,
    long Pairs,
    IReadOnlyList<GateRow> Rows,
    IReadOnlyList<string> NotObservable,
    string Verdict)
{
    public const string Meets = "meets";
    public const string FallsShort = "falls_short";
    public const string Wait = "wait";
}
