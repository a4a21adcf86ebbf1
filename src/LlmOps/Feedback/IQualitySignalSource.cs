namespace LlmOps.Feedback;

/// <summary>
/// A source of a quality signal for drift checks: per-event values (a relevance score, 1/0 for a corrected or escalated
/// answer...) in a reference window and a current window. Retrieval relevance is built in; the feedback signals
/// (answer quality, correction and escalation rates, latency p95, cost per request, safety-flag rate) plug in here.
/// </summary>
public interface IQualitySignalSource
{
    /// <summary>The signal name, <c>quality.&lt;name&gt;</c>.</summary>
    string Signal { get; }

    /// <summary>Whether a higher value is better (relevance, thumbs up); false for rates and costs that must not rise.</summary>
    bool HigherIsBetter => true;

    /// <summary>The quantile compared (0.95 for a p95), or null to compare means.</summary>
    double? Quantile => null;

    /// <summary>Whether the change is relative to the reference's value (latency, cost) rather than absolute (rates).</summary>
    bool Relative => false;

    /// <summary>Whether the signal runs only when the lifecycle's <c>drift.signals</c> names it (feedback signals); else it always runs.</summary>
    bool OnlyWhenConfigured => false;

    /// <summary>Values from <paramref name="referenceFrom"/> to <paramref name="currentFrom"/> and from there to <paramref name="until"/>.</summary>
    Task<(IReadOnlyList<double> Reference, IReadOnlyList<double> Current)> ReadAsync(string feature, DateTimeOffset referenceFrom, DateTimeOffset currentFrom, DateTimeOffset until, CancellationToken cancellationToken);
}
