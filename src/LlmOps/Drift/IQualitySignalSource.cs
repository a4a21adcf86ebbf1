namespace LlmOps.Drift;

/// <summary>
/// A source of a quality signal for drift checks: per-event values (a relevance score, 1/0 for a corrected or escalated
/// answer...) in a reference window and a current window. Retrieval relevance is built in; answer quality, correction
/// and escalation rates plug in here once feedback arrives.
/// </summary>
public interface IQualitySignalSource
{
    /// <summary>The signal name, <c>quality.&lt;name&gt;</c>.</summary>
    string Signal { get; }

    /// <summary>Values from <paramref name="referenceFrom"/> to <paramref name="currentFrom"/> and from there to <paramref name="until"/>.</summary>
    Task<(IReadOnlyList<double> Reference, IReadOnlyList<double> Current)> ReadAsync(string feature, DateTimeOffset referenceFrom, DateTimeOffset currentFrom, DateTimeOffset until, CancellationToken cancellationToken);
}
