using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using LlmOps.Lifecycle;

namespace LlmOps.Evaluation.Graders;

/// <summary>
/// What each answer cost: latency, input, output, cached-input and reasoning tokens from the response's usage, and
/// the cost in USD from the lifecycle's price table for the answering model (left out when the model has no price).
/// An example the target could not answer gets <c>answered</c> = false and only its latency.
/// </summary>
public sealed class UsageGrader(IReadOnlyDictionary<string, ModelPrice> prices) : IEvaluator
{
    public IReadOnlyCollection<string> EvaluationMetricNames { get; } =
        [EvalMetrics.Answered, EvalMetrics.LatencyMs, EvalMetrics.InputTokens, EvalMetrics.OutputTokens, EvalMetrics.CachedInputTokens, EvalMetrics.ReasoningTokens, EvalMetrics.CostUsd];

    public ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelResponse);
        var context = new GradingContext(additionalContext);
        var error = context.Response?.Error;
        var metrics = new List<EvaluationMetric>
        {
            new BooleanMetric(EvalMetrics.Answered, error is null, error),
        };
        if (context.Response is { } response)
        {
            metrics.Add(new NumericMetric(EvalMetrics.LatencyMs, response.Latency.TotalMilliseconds));
        }

        if (error is null && modelResponse.Usage is { } usage)
        {
            var input = usage.InputTokenCount ?? 0;
            var output = usage.OutputTokenCount ?? 0;
            var cached = usage.CachedInputTokenCount ?? 0;
            metrics.Add(new NumericMetric(EvalMetrics.InputTokens, input));
            metrics.Add(new NumericMetric(EvalMetrics.OutputTokens, output));
            metrics.Add(new NumericMetric(EvalMetrics.CachedInputTokens, cached));
            metrics.Add(new NumericMetric(EvalMetrics.ReasoningTokens, usage.ReasoningTokenCount ?? 0));
            var model = modelResponse.ModelId ?? context.Response?.Model;
            if (model is not null && prices.TryGetValue(model, out var price))
            {
                metrics.Add(new NumericMetric(EvalMetrics.CostUsd, price.Cost(input, output, cached)));
            }
        }

        return ValueTask.FromResult(new EvaluationResult(metrics));
    }
}
