namespace LlmOps.Ingestion.Processing;

/// <summary>What an ingestion run saw: read always equals accepted plus quarantined.</summary>
public sealed class IngestionCounts
{
    public long Read { get; set; }

    public long Accepted { get; set; }

    public long Quarantined { get; set; }

    /// <summary>Accepted records whose id was in the previous version with other content (they replace it).</summary>
    public long Updated { get; set; }

    public long Chunks { get; set; }

    public long Tokens { get; set; }

    public SortedDictionary<string, long> QuarantinedByRule { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long> Pii { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long> Languages { get; } = new(StringComparer.Ordinal);

    public double QuarantineRate => Read == 0 ? 0 : Quarantined / (double)Read;
}
