namespace LlmOps.Lifecycle;

/// <summary>How a source's drops are encoded; Auto picks by file extension (.jsonl, .csv, .parquet, each optionally .gz).</summary>
public enum SourceFormat
{
    Auto,
    Jsonl,
    Csv,
    Parquet,
}
