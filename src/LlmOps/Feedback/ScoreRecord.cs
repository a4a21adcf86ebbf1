namespace LlmOps.Feedback;

/// <summary>A score as a row of the analytics Parquet files (<c>analytics/scores/date=.../part-*.parquet</c>), joined to traces by trace id.</summary>
public sealed class ScoreRecord
{
    public string Id { get; set; } = "";

    public string TraceId { get; set; } = "";

    public string? ChunkId { get; set; }

    public string Name { get; set; } = "";

    public string DataType { get; set; } = "";

    public double? Value { get; set; }

    public string? StringValue { get; set; }

    public string Source { get; set; } = "";

    public string? Comment { get; set; }

    public string? Correction { get; set; }

    public DateTime Time { get; set; }

    public static ScoreRecord From(Score score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return new()
        {
            Id = score.Id,
            TraceId = score.TraceId,
            ChunkId = score.ChunkId,
            Name = score.Name,
            DataType = score.DataType,
            Value = score.Value,
            StringValue = score.StringValue,
            Source = score.Source,
            Comment = score.Comment,
            Correction = score.Correction,
            Time = score.Time.UtcDateTime,
        };
    }
}
