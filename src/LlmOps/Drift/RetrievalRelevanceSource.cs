using LlmOps.Embeddings;
using LlmOps.Feedback;

namespace LlmOps.Drift;

/// <summary>quality.retrieval_relevance: the top-1 similarity of the queries searched (<see cref="SearchQueryLog"/>), per window.</summary>
public sealed class RetrievalRelevanceSource(SearchQueryLog log) : IQualitySignalSource
{
    public string Signal => "quality.retrieval_relevance";

    public async Task<(IReadOnlyList<double> Reference, IReadOnlyList<double> Current)> ReadAsync(string feature, DateTimeOffset referenceFrom, DateTimeOffset currentFrom, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var reference = new List<double>();
        var current = new List<double>();
        await foreach (var row in log.ListAsync(feature, referenceFrom, until, cancellationToken))
        {
            (row.At >= currentFrom ? current : reference).Add(row.TopScore);
        }

        return (reference, current);
    }
}
