namespace LlmOps.Ingestion.Transform;

/// <summary>A piece of a record's text, cut on token boundaries. <see cref="Id"/> is stable across runs.</summary>
public sealed record TextChunk(string Id, int Index, string Text, int TokenCount, int StartChar, int EndChar);
