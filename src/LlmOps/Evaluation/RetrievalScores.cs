namespace LlmOps.Evaluation;

/// <summary>A query set's per-query scores on one index version at k, and their means.</summary>
public sealed record RetrievalScores(string IndexId, int K, RelevanceUnit Unit, IReadOnlyList<QueryScore> Queries, string Store = Lifecycle.EmbeddingSettings.ExactStore)
{
    public double RecallAtK => Queries.Average(q => q.Recall);

    public double Mrr => Queries.Average(q => q.ReciprocalRank);

    public double NdcgAtK => Queries.Average(q => q.Ndcg);

    /// <summary>The per-query values of <paramref name="metric"/> (recall_at_k, mrr or ndcg_at_k), in query order, for a paired comparison.</summary>
    public IReadOnlyList<double> Values(string metric) => metric switch
    {
        "recall_at_k" => [.. Queries.Select(q => q.Recall)],
        "mrr" => [.. Queries.Select(q => q.ReciprocalRank)],
        "ndcg_at_k" => [.. Queries.Select(q => q.Ndcg)],
        _ => throw new ArgumentException($"Unknown retrieval metric '{metric}': recall_at_k, mrr or ndcg_at_k.", nameof(metric)),
    };
}
