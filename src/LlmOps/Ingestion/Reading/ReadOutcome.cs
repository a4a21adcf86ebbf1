namespace LlmOps.Ingestion.Reading;

/// <summary>
/// One record as read from a drop: its fields, or why it could not be read. <see cref="Line"/> is the 1-based line
/// where the record starts (the row number for Parquet). Values are string, long, double, bool or null; nested
/// JSON stays as its JSON text.
/// </summary>
public sealed record ReadOutcome(long Line, IReadOnlyDictionary<string, object?>? Fields, string? Error)
{
    public bool IsRecord => Fields is not null;

    public static ReadOutcome Record(long line, IReadOnlyDictionary<string, object?> fields) => new(line, fields, null);

    public static ReadOutcome Malformed(long line, string error) => new(line, null, error);
}
