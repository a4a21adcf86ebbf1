using System.Buffers;
using LlmOps.Ingestion.Reading;
using Parquet;

namespace LlmOps.Ingestion.Sharding;

/// <summary>
/// One shard of a drop: the bytes <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive), whole records only;
/// <see cref="LinesBefore"/> line feeds come before it, so its records keep the line numbers they have in the whole drop
/// (<see cref="ShardPlanner.LinesFromCounts"/>: not counted by the plan).
/// </summary>
public sealed record ShardRange(int Index, long Start, long End, long LinesBefore = 0)
{
    public long Length => End - Start;
}

/// <summary>
/// Cuts an uncompressed JSONL or CSV drop into byte ranges of about <c>shardBytes</c> that start and end on record
/// boundaries, in one sequential pass that reads bytes and never parses a value. JSONL: a record ends at a line feed
/// (a JSON string cannot hold a raw one). CSV (RFC 4180): a line feed ends a record only outside double quotes; the
/// quote state is the parity of the quotes seen since the start of the file (an escaped quote, <c>""</c>, toggles it
/// twice), which is why the pass starts at byte 0 and why a quoted field's line breaks never split a record. A CSV's
/// header row is its own range (<see cref="ShardPlan.Header"/>): every shard is read with it in front. A JSONL drop need
/// not be read to be cut: <see cref="ProbeJsonlAsync"/> reads a few KiB at each cut. Parquet is cut by row groups
/// (<see cref="PlanParquetAsync"/>). A single-stream .gz cannot be entered in the middle: it stays whole.
/// </summary>
public static class ShardPlanner
{
    private static readonly SearchValues<byte> CsvSpecials = SearchValues.Create("\"\n"u8);

    /// <summary>
    /// The shards of <paramref name="drop"/> (read from its current position to its end). <paramref name="cut"/>, when
    /// given, hears of each shard as soon as it is final and another follows it, so its work can start while the pass
    /// goes on: every shard but the last (which the returned plan ends with).
    /// </summary>
    public static async Task<ShardPlan> PlanAsync(Stream drop, bool csv, long shardBytes, Func<ShardCut, ValueTask>? cut = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drop);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardBytes, 1);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            var shards = new List<ShardRange>();
            long position = 0, shardStart = 0, lines = 0, shardLines = 0, headerLines = 0;
            long? headerEnd = csv ? null : 0;
            var inQuotes = false;
            var announced = 0;
            int read;
            while ((read = await drop.ReadAsync(buffer.AsMemory(0, buffer.Length), cancellationToken)) > 0)
            {
                // A shard cut at the end of the last buffer is final and has a successor: bytes follow it.
                announced = await AnnounceAsync(position);
                var span = buffer.AsSpan(0, read);
                var offset = 0;
                while (offset < span.Length)
                {
                    var rest = span[offset..];
                    var next = csv ? rest.IndexOfAny(CsvSpecials) : rest.IndexOf((byte)'\n');
                    if (next < 0)
                    {
                        break;
                    }

                    offset += next + 1;
                    if (rest[next] == (byte)'"')
                    {
                        inQuotes = !inQuotes;
                        continue;
                    }

                    lines++;

                    if (inQuotes)
                    {
                        continue;
                    }

                    // A record ends here (after the line feed).
                    var boundary = position + offset;
                    if (headerEnd is null)
                    {
                        headerEnd = boundary;
                        (shardStart, shardLines, headerLines) = (boundary, lines, lines);
                    }
                    else if (boundary - shardStart >= shardBytes)
                    {
                        shards.Add(new ShardRange(shards.Count, shardStart, boundary, shardLines));
                        (shardStart, shardLines) = (boundary, lines);
                    }
                }

                position += read;
                announced = await AnnounceAsync(position - 1);
            }

            if (position > shardStart && headerEnd is not null)
            {
                shards.Add(new ShardRange(shards.Count, shardStart, position, shardLines));
            }

            return new ShardPlan(new ShardRange(-1, 0, headerEnd ?? position), shards, position, inQuotes) { HeaderLines = headerLines };

            // Announces the shards that end before byte `known` (bytes up to it have been read, so a shard follows).
            async ValueTask<int> AnnounceAsync(long known)
            {
                var next = announced;
                for (; cut is not null && next < shards.Count && shards[next].End <= known; next++)
                {
                    await cut(new ShardCut(new ShardRange(-1, 0, headerEnd ?? 0), headerLines, shards[next]));
                }

                return next;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A range's <see cref="ShardRange.LinesBefore"/> when the plan did not count them: the shards' own counts say.</summary>
    public const long LinesFromCounts = -1;

    /// <summary>Bytes read at a time when probing for a line feed.</summary>
    internal const int ProbeBytes = 64 << 10;

    /// <summary>
    /// The shards of a JSONL drop of <paramref name="length"/> bytes without reading it: a JSONL record ends at any line
    /// feed, so each cut is the first line feed at least <paramref name="shardBytes"/> past the shard's start, found by
    /// reading a few KiB there (<paramref name="read"/> reads a range). The cuts are those <see cref="PlanAsync"/> finds;
    /// the line feeds before each shard are not counted (<see cref="LinesFromCounts"/>): the shards count their own.
    /// </summary>
    public static async Task<ShardPlan> ProbeJsonlAsync(Func<long, int, CancellationToken, Task<ReadOnlyMemory<byte>>> read, long length, long shardBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardBytes, 1);
        var shards = new List<ShardRange>();
        for (long start = 0, end; start < length; start = end)
        {
            end = length;
            for (var at = start + shardBytes - 1; at < length;)
            {
                var window = await read(at, (int)Math.Min(ProbeBytes, length - at), cancellationToken);
                if (window.IsEmpty)
                {
                    throw new IOException($"the drop ended at byte {at}, before the {length} bytes it was said to hold");
                }

                if (window.Span.IndexOf((byte)'\n') is var feed and >= 0)
                {
                    end = at + feed + 1;
                    break;
                }

                at += window.Length;
            }

            shards.Add(new ShardRange(shards.Count, start, end, shards.Count == 0 ? 0 : LinesFromCounts));
        }

        return new ShardPlan(new ShardRange(-1, 0, 0), shards, length, false);
    }

    /// <summary>
    /// The shards of a Parquet drop: whole row groups (a row group is Parquet's unit of independent reading), consecutive
    /// ones together until they hold about <paramref name="shardBytes"/>, from the footer alone. A file of one row group
    /// is one shard, whatever its size.
    /// </summary>
    public static async Task<IReadOnlyList<RowGroupShard>> PlanParquetAsync(Stream seekable, long shardBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seekable);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardBytes, 1);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(seekable, leaveStreamOpen: true, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new UnreadableDropException($"not a readable Parquet file: {ex.Message}", ex);
        }

        await using (reader)
        {
            var shards = new List<RowGroupShard>();
            var groups = reader.Metadata!.RowGroups;
            int first = 0;
            long firstRow = 0, rows = 0, bytes = 0;
            for (var group = 0; group < groups.Count; group++)
            {
                rows += groups[group].NumRows;
                bytes += groups[group].TotalByteSize;
                if (bytes >= shardBytes || group == groups.Count - 1)
                {
                    shards.Add(new RowGroupShard(shards.Count, first, group + 1, firstRow, rows, bytes));
                    (first, firstRow, rows, bytes) = (group + 1, firstRow + rows, 0, 0);
                }
            }

            return shards;
        }
    }
}

/// <summary>A shard found final during the planning pass, with the header every shard is read with.</summary>
public sealed record ShardCut(ShardRange Header, long HeaderLines, ShardRange Shard);

/// <summary>A Parquet shard: row groups <see cref="FirstGroup"/> to <see cref="EndGroup"/> (exclusive), whose first row is row <see cref="FirstRow"/> + 1 of the file.</summary>
public sealed record RowGroupShard(int Index, int FirstGroup, int EndGroup, long FirstRow, long Rows, long Bytes);

/// <summary>
/// A drop cut into shards: <see cref="Header"/> (empty for JSONL; a CSV's header row), the shards in order, the drop's
/// length, and whether the drop ended inside a quoted field (its last record is malformed, and the reader says so).
/// </summary>
public sealed record ShardPlan(ShardRange Header, IReadOnlyList<ShardRange> Shards, long Length, bool EndsInQuotes)
{
    /// <summary>The line feeds in <see cref="Header"/>: a shard read with the header in front numbers its lines from there.</summary>
    public long HeaderLines { get; init; }
}
