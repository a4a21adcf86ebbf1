namespace LlmOps.Lineage;

/// <summary>How a lineage graph is written out.</summary>
public enum LineageFormat
{
    Text,
    Mermaid,
    Json,

    /// <summary>One OpenLineage RunEvent per run that recorded an edge of the graph.</summary>
    OpenLineage,
}
