namespace LlmOps.Lifecycle;

/// <summary>
/// A model's price per 1,000 tokens from the lifecycle's <c>costs</c> table. Cached input tokens are billed at
/// <see cref="CachedInputPer1K"/> (the input price when not set); reasoning tokens are part of the output tokens, as
/// the OpenAI usage reports them, so they are billed at the output price and counted once.
/// </summary>
public sealed record ModelPrice(double InputPer1K, double OutputPer1K, double? CachedInputPer1K = null)
{
    public double Cost(long inputTokens, long outputTokens, long cachedInputTokens)
    {
        var cached = Math.Clamp(cachedInputTokens, 0, inputTokens);
        return (((inputTokens - cached) * InputPer1K) + (cached * (CachedInputPer1K ?? InputPer1K)) + (outputTokens * OutputPer1K)) / 1000.0;
    }
}
