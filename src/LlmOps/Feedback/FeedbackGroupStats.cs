namespace LlmOps.Feedback;

/// <summary>
/// Feedback statistics of one group (a prompt version, deployment, model or day; "all" without grouping): requests,
/// thumbs-up rate over the requests rated thumbs up or down, correction and escalation rates over all requests, the
/// mean of each numeric score, latency percentiles, tokens, cost per request and per day, error and safety-flag rates.
/// </summary>
public sealed record FeedbackGroupStats(
    string Group,
    long Requests,
    double? ThumbsUpRate,
    long ThumbsRated,
    double CorrectionRate,
    double EscalationRate,
    IReadOnlyDictionary<string, double> NumericScores,
    double? LatencyP50,
    double? LatencyP95,
    double? LatencyP99,
    long InputTokens,
    long OutputTokens,
    double? CostPerRequest,
    double? CostPerDay,
    double ErrorRate,
    double SafetyFlagRate);
