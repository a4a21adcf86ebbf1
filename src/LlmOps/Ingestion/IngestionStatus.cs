namespace LlmOps.Ingestion;

/// <summary>How an ingestion run ended.</summary>
public enum IngestionStatus
{
    /// <summary>A new dataset version was written and announced.</summary>
    Published,

    /// <summary>The content is already a published version: nothing was written.</summary>
    Unchanged,

    /// <summary>Too many records were quarantined: no version, the reason is recorded.</summary>
    Rejected,

    /// <summary>The file could not be read at all: it is quarantined whole with an error report.</summary>
    Unreadable,

    /// <summary>No lifecycle file declares the drop's source: quarantined whole.</summary>
    UnknownSource,

    /// <summary>The drop was cut into shards, queued for any host instance; the fan-in records how it ends.</summary>
    Sharded,

    /// <summary>A shard of the drop failed every attempt: no version, the drop's report says which shard and why.</summary>
    Failed,
}
