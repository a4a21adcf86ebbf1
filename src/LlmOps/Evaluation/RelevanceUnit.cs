namespace LlmOps.Evaluation;

/// <summary>What a query set's relevant ids name: chunks (<c>tickets:T-1#0000</c>) or records (<c>T-1</c>).</summary>
public enum RelevanceUnit
{
    /// <summary>Chunk ids when any relevant id is a chunk of the index, else record ids.</summary>
    Auto,
    Chunk,
    Record,
}
