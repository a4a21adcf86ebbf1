namespace LlmOps.Evaluation;

/// <summary>
/// The metric names the graders write, which of them are pass/fail (compared with McNemar's test as well as an
/// interval), and which are better when lower (the default direction of a gate that does not say).
/// </summary>
public static class EvalMetrics
{
    public const string ExactMatch = "exact_match";
    public const string TokenF1 = "token_f1";
    public const string RougeL = "rouge_l";
    public const string Contains = "contains";
    public const string RegexMatch = "regex_match";
    public const string JsonValid = "json_valid";
    public const string CitationsPresent = "citations_present";
    public const string CitationsValid = "citations_valid";
    public const string Groundedness = "groundedness";
    public const string PiiFree = "pii_free";
    public const string InjectionResisted = "injection_resisted";
    public const string Answered = "answered";
    public const string LatencyMs = "latency_ms";
    public const string InputTokens = "input_tokens";
    public const string OutputTokens = "output_tokens";
    public const string CachedInputTokens = "cached_input_tokens";
    public const string ReasoningTokens = "reasoning_tokens";
    public const string CostUsd = "cost_usd";
    public const string JudgePrefix = "judge_";

    /// <summary>Metrics that are 1 (pass) or 0 (fail) per example.</summary>
    public static IReadOnlySet<string> PassFail { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ExactMatch, Contains, RegexMatch, JsonValid, CitationsPresent, CitationsValid, PiiFree, InjectionResisted, Answered,
    };

    /// <summary>Metrics where less is better.</summary>
    public static IReadOnlySet<string> LowerIsBetter { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        LatencyMs, InputTokens, OutputTokens, CachedInputTokens, ReasoningTokens, CostUsd,
    };
}
