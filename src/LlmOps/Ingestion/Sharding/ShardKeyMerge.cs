namespace LlmOps.Ingestion.Sharding;

/// <summary>A registration of a shard that an earlier shard made first: its kind, key, the line here and the first line (dedup).</summary>
internal readonly record struct ShardConflict(byte Kind, UInt128 Hash, long Line, long FirstLine);

/// <summary>
/// Dedup and <c>unique</c> across shards: every shard's registrations (content keys and unique-rule values, each
/// sorted by kind and hash) merged in one streaming pass, so memory holds one entry per shard, not the drop's keys. A key
/// registered by several shards belongs to the first of them, where the whole drop's run would have seen it first;
/// each later shard's registration is a conflict. Sorting by hash makes the merge hash-partitionable: a range of hashes
/// can be merged on its own.
/// </summary>
internal static class ShardKeyMerge
{
    public static async Task<Dictionary<int, List<ShardConflict>>> ConflictsAsync(int shards, Func<int, Task<ShardKeyReader>> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        var readers = new ShardKeyReader[shards];
        var entries = new (byte Kind, UInt128 Hash, long Line)[shards];
        var queue = new PriorityQueue<int, (byte Kind, UInt128 Hash, int Shard)>(KeyOrder.Instance);
        var conflicts = new Dictionary<int, List<ShardConflict>>();
        try
        {
            // Opened eight at a time (a request each), then read in step.
            await Parallel.ForAsync(0, shards, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (shard, _) => readers[shard] = await open(shard));
            for (var shard = 0; shard < shards; shard++)
            {
                Advance(shard);
            }

            (byte Kind, UInt128 Hash)? group = null;
            long firstLine = 0;
            while (queue.TryDequeue(out var shard, out _))
            {
                var (kind, hash, line) = entries[shard];
                if (group != (kind, hash))
                {
                    // The lowest shard holding a key comes out of the queue first: it owns the key.
                    group = (kind, hash);
                    firstLine = line;
                }
                else
                {
                    if (!conflicts.TryGetValue(shard, out var list))
                    {
                        conflicts[shard] = list = [];
                    }

                    list.Add(new ShardConflict(kind, hash, line, firstLine));
                }

                Advance(shard);
            }

            return conflicts;
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader?.Dispose();
            }
        }

        void Advance(int shard)
        {
            if (!readers[shard].TryRead(out var kind, out var hash, out var line))
            {
                return;
            }

            entries[shard] = (kind, hash, line);
            queue.Enqueue(shard, (kind, hash, shard));
        }
    }

    /// <summary>By kind, then hash, then shard: the tuple's own order, without its generic comparers.</summary>
    private sealed class KeyOrder : IComparer<(byte Kind, UInt128 Hash, int Shard)>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare((byte Kind, UInt128 Hash, int Shard) x, (byte Kind, UInt128 Hash, int Shard) y) =>
            x.Kind != y.Kind ? x.Kind.CompareTo(y.Kind) : x.Hash != y.Hash ? x.Hash.CompareTo(y.Hash) : x.Shard.CompareTo(y.Shard);
    }
}
