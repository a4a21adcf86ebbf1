namespace LlmOps.Feedback;

/// <summary>The feedback statistics of a feature since a time, grouped, and how much Parquet the query read.</summary>
public sealed record FeedbackStats(string Feature, DateTimeOffset Since, string By, IReadOnlyList<FeedbackGroupStats> Groups, int Files, long Bytes);
