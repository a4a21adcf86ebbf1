using LlmOps.Storage;

namespace LlmOps.Embeddings;

/// <summary>One search in table <c>searchqueries</c> (PartitionKey feature, RowKey newest first|random).</summary>
public sealed class SearchQueryRow : TableRow
{
    /// <summary>The query text, cut at 1,000 characters.</summary>
    public string Query { get; set; } = "";

    public string IndexId { get; set; } = "";

    /// <summary>The top hit's cosine similarity (0 without hits).</summary>
    public double TopScore { get; set; }

    public int Hits { get; set; }

    public DateTimeOffset At { get; set; }
}
