namespace LlmOps.Ingestion.Reading;

/// <summary>One physical line: its 1-based number and bytes without the line break, or a note that it was too long to keep.</summary>
internal readonly record struct Utf8Line(long Number, ReadOnlyMemory<byte> Bytes, bool TooLong);
