using LlmOps.Ingestion.Processing;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Sharding;

/// <summary>
/// The plan of a drop ingested in shards: the blob version, its format, the preprocessing every shard must run with, and
/// the shards (byte ranges for JSONL and CSV, with a CSV's header range; row groups for Parquet). Written once when the
/// plan is whole; a CSV's shards are queued while its planning pass runs, each task carrying its range, after an
/// <see cref="Open"/> plan without ranges is written once (so a retried pass cuts at the same <see cref="ShardBytes"/>).
/// </summary>
public sealed record ShardedDrop(
    string Source,
    string Container,
    string Name,
    string ETag,
    SourceFormat Format,
    long Length,
    string Preprocessing,
    ShardRange Header,
    long HeaderLines,
    IReadOnlyList<ShardRange> Ranges,
    IReadOnlyList<RowGroupShard> RowGroups,
    DateTimeOffset PlannedAt)
{
    public int Count => Format == SourceFormat.Parquet ? RowGroups.Count : Ranges.Count;

    /// <summary>True while the planning pass runs: the shards so far are in their tasks, their number is not known.</summary>
    public bool Open { get; init; }

    /// <summary>The shard size the drop is cut at.</summary>
    public long ShardBytes { get; init; }
}

/// <summary>
/// A queue message: shard <see cref="Shard"/> of one blob version, with its byte range when it was queued during the
/// planning pass, and how often an instance that held enough shards already put it back on the queue.
/// </summary>
public sealed record ShardTask(string Source, string Container, string Name, string ETag, int Shard, ShardRange? Range = null)
{
    public int HandedBack { get; init; }
}

/// <summary>
/// Written once when a shard's outputs are stored (If-None-Match): the shard is done, by which host on which attempt,
/// with its counts and where each of its outputs lies in its outputs blob.
/// </summary>
public sealed record ShardReceipt(int Shard, int Attempt, string Host, ShardCounts Counts, ShardSections Sections, double Seconds, DateTimeOffset At);

/// <summary>What one run of a shard leaves for the fan-in: its counts, and the sections of its outputs blob.</summary>
public sealed record ShardResult(ShardCounts Counts, ShardSections Sections);

/// <summary>
/// The byte lengths of the sections of a shard's one outputs blob, in their order there (<c>ShardOutputWriter</c>):
/// the fan-in reads the keys alone (for its merge), then index, quarantine and parts list together in one ranged read,
/// and the updated lines only when it writes a part again.
/// </summary>
public sealed record ShardSections(long Keys, long Index, long Quarantine, long Parts, long Updated)
{
    /// <summary>Where the index starts: the keys come first.</summary>
    public long FilesStart => Keys;

    /// <summary>Index, quarantine and parts list, read together.</summary>
    public long FilesLength => Index + Quarantine + Parts;

    public long UpdatedStart => Keys + FilesLength;
}

/// <summary>An <see cref="IngestionCounts"/> that serializes (the fan-in adds the shards' counts up).</summary>
public sealed record ShardCounts(
    long Read,
    long Accepted,
    long Quarantined,
    long Updated,
    long Chunks,
    long Tokens,
    IReadOnlyDictionary<string, long> QuarantinedByRule,
    IReadOnlyDictionary<string, long> Pii,
    IReadOnlyDictionary<string, long> Languages)
{
    public static ShardCounts Of(IngestionCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new(counts.Read, counts.Accepted, counts.Quarantined, counts.Updated, counts.Chunks, counts.Tokens,
            new Dictionary<string, long>(counts.QuarantinedByRule), new Dictionary<string, long>(counts.Pii), new Dictionary<string, long>(counts.Languages));
    }

    /// <summary>Adds these counts to <paramref name="total"/>.</summary>
    public void AddTo(IngestionCounts total)
    {
        ArgumentNullException.ThrowIfNull(total);
        total.Read += Read;
        total.Accepted += Accepted;
        total.Quarantined += Quarantined;
        total.Updated += Updated;
        total.Chunks += Chunks;
        total.Tokens += Tokens;
        Add(total.QuarantinedByRule, QuarantinedByRule);
        Add(total.Pii, Pii);
        Add(total.Languages, Languages);
    }

    internal static void Add(SortedDictionary<string, long> total, IReadOnlyDictionary<string, long> more)
    {
        foreach (var (key, value) in more)
        {
            total[key] = total.GetValueOrDefault(key) + value;
            if (total[key] == 0)
            {
                total.Remove(key);
            }
        }
    }
}
