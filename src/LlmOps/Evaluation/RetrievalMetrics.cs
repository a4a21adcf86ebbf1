namespace LlmOps.Evaluation;

/// <summary>Retrieval quality of one ranking against its relevant set, binary relevance, cut at k.</summary>
public static class RetrievalMetrics
{
    /// <summary>Share of the relevant chunks found in the top k.</summary>
    public static double RecallAtK(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        return relevant.Count == 0 ? 0 : (double)ranked.Take(k).Distinct().Count(relevant.Contains) / relevant.Count;
    }

    /// <summary>1 / rank of the first relevant chunk in the top k, 0 when none is there.</summary>
    public static double ReciprocalRank(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (relevant.Contains(ranked[i]))
            {
                return 1.0 / (i + 1);
            }
        }

        return 0;
    }

    /// <summary>DCG of the top k (gain 1 per relevant chunk, discount log2(rank + 1)) over the best possible DCG.</summary>
    public static double NdcgAtK(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        var dcg = 0.0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (relevant.Contains(ranked[i]) && seen.Add(ranked[i]))
            {
                dcg += 1 / Math.Log2(i + 2);
            }
        }

        var ideal = 0.0;
        for (var i = 0; i < Math.Min(k, relevant.Count); i++)
        {
            ideal += 1 / Math.Log2(i + 2);
        }

        return ideal == 0 ? 0 : dcg / ideal;
    }
}
