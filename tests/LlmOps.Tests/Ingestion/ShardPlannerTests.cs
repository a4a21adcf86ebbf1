using System.Text;
using System.Text.Json;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Sharding;

namespace LlmOps.Tests.Ingestion;

/// <summary>
/// Shards of a drop by byte ranges on record boundaries: read shard by shard (a CSV's header in front of each), the
/// records are exactly those of the whole drop, in order, for CSV whose quoted fields hold line breaks, commas and
/// escaped quotes where a naive cut would fall, for JSONL, and for Parquet by row groups (row numbers kept); the shards
/// cover the drop without gap or overlap.
/// </summary>
public sealed class ShardPlannerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(97)]
    [InlineData(512)]
    [InlineData(4096)]
    [InlineData(1 << 30)]
    public async Task Csv_QuotedLineBreaksAcrossBoundaries_ShardsReadAsTheWholeDrop(long shardBytes)
    {
        var csv = Csv(800);
        var plan = await ShardPlanner.PlanAsync(new MemoryStream(csv), csv: true, shardBytes);
        AssertCovers(plan, csv.Length);
        Assert.False(plan.EndsInQuotes);
        var whole = await ReadAsync(CsvRecordReader.ReadAsync, csv);
        var sharded = new List<string>();
        foreach (var shard in plan.Shards)
        {
            sharded.AddRange(await ReadAsync(CsvRecordReader.ReadAsync, [.. csv.AsSpan(0, (int)plan.Header.End), .. csv.AsSpan((int)shard.Start, (int)shard.Length)]));
        }

        Assert.Equal(800, whole.Count);
        Assert.Equal(whole, sharded);
        if (shardBytes == 97)
        {
            // The hazard is real in this drop: a cut at a plain line feed inside a quoted field would split a record.
            Assert.Contains(Enumerable.Range(1, csv.Length / 97), k => InsideQuotes(csv, k * 97) && csv[k * 97] == (byte)'\n');
            Assert.True(plan.Shards.Count > 100);
        }
    }

    [Fact]
    public async Task Jsonl_ShardsReadAsTheWholeDrop_AndAnUnterminatedCsvQuoteIsReported()
    {
        var jsonl = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 500).Select(i =>
            JsonSerializer.Serialize(new { id = $"T-{i}", body = new string('x', i % 37) + ", \"quoted\" [" + i + "]" }) + "\n")));
        var plan = await ShardPlanner.PlanAsync(new MemoryStream(jsonl), csv: false, 300);
        AssertCovers(plan, jsonl.Length);
        Assert.Equal(0, plan.Header.Length);
        var sharded = new List<string>();
        foreach (var shard in plan.Shards)
        {
            sharded.AddRange(await ReadAsync(JsonlRecordReader.ReadAsync, jsonl.AsSpan((int)shard.Start, (int)shard.Length).ToArray()));
        }

        Assert.Equal(await ReadAsync(JsonlRecordReader.ReadAsync, jsonl), sharded);
        Assert.True(plan.Shards.Count > 50);

        var broken = Encoding.UTF8.GetBytes("id,body\n1,\"never closed\n2,fine\n");
        var brokenPlan = await ShardPlanner.PlanAsync(new MemoryStream(broken), csv: true, 4);
        Assert.True(brokenPlan.EndsInQuotes);
        Assert.Equal(broken.Length, brokenPlan.Shards.Single().End); // the rest is one shard: its reader reports the stray quote
    }

    [Theory]
    [InlineData(true, 97, 61)]
    [InlineData(true, 4096, 1 << 20)]
    [InlineData(false, 300, 113)]
    public async Task EveryShardButTheLast_AnnouncedOnceItsEndIsReadAndABytePast_BeforeThePassEnds(bool csv, long shardBytes, int readSize)
    {
        var bytes = csv ? Csv(800) : Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 500).Select(i => JsonSerializer.Serialize(new { id = $"T-{i}", body = new string('y', i % 41) }) + "\n")));
        var drop = new TrickleStream(bytes, readSize);
        var cuts = new List<(ShardCut Cut, long ReadSoFar)>();
        var plan = await ShardPlanner.PlanAsync(drop, csv, shardBytes, cut =>
        {
            cuts.Add((cut, drop.Position));
            return ValueTask.CompletedTask;
        });

        Assert.True(plan.Shards.Count > 2, $"{plan.Shards.Count} shards");
        Assert.Equal(plan.Shards.SkipLast(1), cuts.Select(c => c.Cut.Shard));
        Assert.All(cuts, c =>
        {
            Assert.Equal((plan.Header, plan.HeaderLines), (c.Cut.Header, c.Cut.HeaderLines));
            // Known to have a successor (a byte past its end is read), and announced within one read of that.
            Assert.InRange(c.ReadSoFar, c.Cut.Shard.End + 1, c.Cut.Shard.End + (2 * readSize));
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(5000)]
    [InlineData(100_000)]
    [InlineData(1 << 30)]
    public async Task JsonlProbes_CutWhereThePassCuts_ReadingAFewKiBPerCut_LinesLeftToTheShards(long shardBytes)
    {
        // Records of every length, one longer than a probe window where cuts fall, and no line feed at the end.
        var lines = Enumerable.Range(0, 400).Select(i => JsonSerializer.Serialize(new { id = $"T-{i}", body = new string('z', i == 150 ? (3 * ShardPlanner.ProbeBytes) + 7 : i % 53) })).ToList();
        var jsonl = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var read = 0L;
        var probed = await ShardPlanner.ProbeJsonlAsync((offset, count, _) =>
        {
            read += count;
            return Task.FromResult<ReadOnlyMemory<byte>>(jsonl.AsMemory((int)offset, count));
        }, jsonl.Length, shardBytes);
        var passed = await ShardPlanner.PlanAsync(new MemoryStream(jsonl), csv: false, shardBytes);

        Assert.Equal(passed.Shards.Select(s => (s.Index, s.Start, s.End)), probed.Shards.Select(s => (s.Index, s.Start, s.End)));
        AssertCovers(probed, jsonl.Length);
        Assert.Equal(0, probed.Shards[0].LinesBefore);
        Assert.All(probed.Shards.Skip(1), s => Assert.Equal(ShardPlanner.LinesFromCounts, s.LinesBefore));
        // At most a window per cut, but the long record: it takes four.
        Assert.InRange(read, 0, (probed.Shards.Count + 4L) * ShardPlanner.ProbeBytes);
        if (shardBytes == 1)
        {
            Assert.Equal(400, probed.Shards.Count);
        }

        Assert.Equal(await ReadAsync(JsonlRecordReader.ReadAsync, jsonl), await ShardedAsync(probed));

        async Task<List<string>> ShardedAsync(ShardPlan plan)
        {
            var records = new List<string>();
            foreach (var shard in plan.Shards)
            {
                records.AddRange(await ReadAsync(JsonlRecordReader.ReadAsync, jsonl.AsSpan((int)shard.Start, (int)shard.Length).ToArray()));
            }

            return records;
        }
    }

    [Fact]
    public async Task Parquet_ByRowGroups_ShardsReadAsTheWholeFile_RowNumbersKept()
    {
        using var file = new MemoryStream();
        var rows = Enumerable.Range(0, 1000).Select(i => new ParquetTicket { Id = $"T-{i}", Body = $"ticket body {i} " + new string('x', i % 50), Priority = i % 3 }).ToList();
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(rows, file, new Parquet.ParquetOptions { RowGroupSize = 64 });
        file.Position = 0;
        var plan = await ShardPlanner.PlanParquetAsync(file, 3000);
        Assert.True(plan.Count > 2, $"{plan.Count} shard(s)");
        Assert.Equal(0, plan[0].FirstGroup);
        Assert.All(plan.Zip(plan.Skip(1)), p => Assert.Equal((p.First.EndGroup, p.First.FirstRow + p.First.Rows), (p.Second.FirstGroup, p.Second.FirstRow)));
        Assert.Equal(1000, plan.Sum(s => s.Rows));

        var whole = new List<string>();
        await foreach (var outcome in ParquetRecordReader.ReadAsync(file))
        {
            whole.Add($"{outcome.Line}:{JsonSerializer.Serialize(outcome.Fields)}");
        }

        var sharded = new List<string>();
        foreach (var shard in plan)
        {
            await foreach (var outcome in ParquetRecordReader.ReadAsync(file, shard.FirstGroup, shard.EndGroup, shard.FirstRow))
            {
                sharded.Add($"{outcome.Line}:{JsonSerializer.Serialize(outcome.Fields)}");
            }
        }

        Assert.Equal(1000, whole.Count);
        Assert.Equal(whole, sharded);
    }

    private sealed class ParquetTicket
    {
        public string Id { get; set; } = "";

        public string Body { get; set; } = "";

        public int Priority { get; set; }
    }

    private static void AssertCovers(ShardPlan plan, long length)
    {
        var at = plan.Header.End;
        foreach (var shard in plan.Shards)
        {
            Assert.Equal(at, shard.Start);
            Assert.True(shard.Length > 0);
            at = shard.End;
        }

        Assert.Equal(length, at);
        Assert.Equal(length, plan.Length);
    }

    private static async Task<List<string>> ReadAsync(Func<Stream, CancellationToken, IAsyncEnumerable<ReadOutcome>> reader, byte[] bytes)
    {
        var records = new List<string>();
        await foreach (var outcome in reader(new MemoryStream(bytes), CancellationToken.None))
        {
            records.Add(outcome.IsRecord ? JsonSerializer.Serialize(outcome.Fields) : "error: " + outcome.Error);
        }

        return records;
    }

    /// <summary>A CSV of <paramref name="rows"/> support tickets whose bodies hold line breaks (LF and CRLF), commas and escaped quotes.</summary>
    private static byte[] Csv(int rows)
    {
        var text = new StringBuilder("id,channel,body\n");
        for (var i = 0; i < rows; i++)
        {
            var body = (i % 3) switch
            {
                0 => $"\"Line one of {i}\nline two, with a comma\nand \"\"quoted\"\" words\"",
                1 => $"\"Windows breaks\r\nin ticket {i}\r\n\"",
                _ => $"plain body {i}",
            };
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"T-{i},{(i % 2 == 0 ? "email" : "chat")},{body}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A drop read at most <c>readSize</c> bytes at a time, as a network stream hands them over.</summary>
    private sealed class TrickleStream(byte[] bytes, int readSize) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }

    private static bool InsideQuotes(byte[] csv, int offset) => csv.AsSpan(0, offset).Count((byte)'"') % 2 == 1;
}
