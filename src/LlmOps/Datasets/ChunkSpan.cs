namespace LlmOps.Datasets;

/// <summary>A stored chunk: its stable id and where it sits in the record's text (the text is stored once, on the record).</summary>
public sealed record ChunkSpan(string Id, int Index, int TokenCount, int StartChar, int EndChar);
