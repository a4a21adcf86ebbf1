using LlmOps.Storage;

namespace LlmOps.Feedback;

/// <summary>Table <c>feedback</c>, a score: in its trace's partition, RowKey the trace id then <c>|score|</c> and the score id, so it is kept before its trace arrives and read with it.</summary>
public sealed class ScoreRow : TableRow
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

    public DateTimeOffset Time { get; set; }
}
