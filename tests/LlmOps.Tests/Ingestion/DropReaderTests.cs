using System.IO.Compression;
using System.Text;
using LlmOps.Ingestion.Reading;
using LlmOps.Lifecycle;
using Parquet.Serialization;

namespace LlmOps.Tests.Ingestion;

public sealed class DropReaderTests
{
    public sealed class Ticket
    {
        public string? Id { get; set; }

        public string? Body { get; set; }

        public int Priority { get; set; }
    }

    [Fact]
    public async Task Jsonl_MalformedLinesReported_GoodLinesRead_CountsReconcile()
    {
        var text = "{\"id\":\"T-1\",\"n\":1}\n{\"id\": broken\n\n[1,2]\n{\"id\":\"T-4\",\"nested\":{\"a\":1},\"ok\":true,\"x\":1.5,\"none\":null}\r\n{\"id\":\"T-5\"";
        var outcomes = await ReadAsync(Encoding.UTF8.GetBytes(text), "drop.jsonl");

        Assert.Equal([1L, 2, 4, 5, 6], outcomes.Select(o => o.Line));
        Assert.Equal([true, false, false, true, false], outcomes.Select(o => o.IsRecord));
        Assert.Contains("malformed JSON", outcomes[1].Error, StringComparison.Ordinal);
        Assert.Contains("expected a JSON object", outcomes[2].Error, StringComparison.Ordinal);
        var four = outcomes[3].Fields!;
        Assert.Equal("T-4", four["id"]);
        Assert.Equal("{\"a\":1}", four["nested"]);
        Assert.Equal(true, four["ok"]);
        Assert.Equal(1.5, four["x"]);
        Assert.Null(four["none"]);
        Assert.Equal(1L, outcomes[0].Fields!["n"]);
    }

    [Fact]
    public async Task Jsonl_EscapedNamesTrailingValuesHugeNumbersArrays_AsJsonDocumentWouldReadThem()
    {
        var text = string.Join('\n',
            "{\"\\u0069d\":\"T-1\",\"tags\":[1, \"a\"],\"id2\":\"x\"}",
            "{\"id\":\"T-2\"} {\"id\":\"T-3\"}",
            "{\"id\":\"T-4\",\"n\":1e400}",
            "{\"id\":\"T-5\",\"n\":-9223372036854775809,\"id\":\"T-5b\"}",
            "\"just a string\"");
        var outcomes = await ReadAsync(Encoding.UTF8.GetBytes(text), "drop.jsonl");

        Assert.Equal([true, false, false, true, false], outcomes.Select(o => o.IsRecord));
        Assert.Equal("T-1", outcomes[0].Fields!["id"]); // the escaped name decodes to the same key
        Assert.Equal("[1, \"a\"]", outcomes[0].Fields!["tags"]);
        Assert.Contains("malformed JSON", outcomes[1].Error, StringComparison.Ordinal);
        Assert.Contains("out of range", outcomes[2].Error, StringComparison.Ordinal);
        Assert.Equal(-9223372036854775809d, outcomes[3].Fields!["n"]); // past long, still a finite double
        Assert.Equal("T-5b", outcomes[3].Fields!["id"]); // a repeated key: the last value wins, as before
        Assert.Equal("expected a JSON object, found string", outcomes[4].Error);
    }

    [Fact]
    public async Task Jsonl_InvalidUtf8Line_ReportedWithByteOffset_OthersRead()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"a\":\"ok\"}\n{\"a\":\"b").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}\n{\"a\":\"é\"}\n")).ToArray();
        var outcomes = await ReadAsync(bytes, "drop.jsonl");
        Assert.Equal([true, false, true], outcomes.Select(o => o.IsRecord));
        Assert.Equal("invalid UTF-8 at byte 7", outcomes[1].Error);
        Assert.Equal("é", outcomes[2].Fields!["a"]);
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-8-bom")]
    public async Task Jsonl_WithByteOrderMark_Decoded(string encoding)
    {
        var text = "{\"body\":\"naïve café ☕\"}\n{\"body\":\"second\"}\n";
        var bytes = encoding switch
        {
            "utf-16" => Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray(),
            "utf-16BE" => Encoding.BigEndianUnicode.GetPreamble().Concat(Encoding.BigEndianUnicode.GetBytes(text)).ToArray(),
            _ => Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray(),
        };

        var outcomes = await ReadAsync(bytes, "drop.jsonl");

        Assert.Equal(["naïve café ☕", "second"], outcomes.Select(o => (string)o.Fields!["body"]!));
    }

    [Theory]
    [InlineData("drop.jsonl")]
    [InlineData("drop.csv")]
    public async Task EmptyFile_NoRecords(string name)
    {
        Assert.Empty(await ReadAsync([], name));
    }

    [Fact]
    public async Task Csv_HeaderOnly_NoRecords()
    {
        Assert.Empty(await ReadAsync(Encoding.UTF8.GetBytes("id,body\r\n"), "drop.csv"));
    }

    [Fact]
    public async Task Csv_Rfc4180_QuotesCommasEmbeddedNewlines_RaggedRowsReported()
    {
        var text = "id,body,channel\r\n" +
                   "T-1,\"Hello, world\",email\r\n" +
                   "T-2,\"She said \"\"hi\"\"\nand left\",chat\r\n" +
                   "T-3,too few\r\n" +
                   "T-4,a,b,c\r\n" +
                   "T-5,,\"\"\r\n" +
                   "T-6,bad\"quote,phone\n";

        var outcomes = await ReadAsync(Encoding.UTF8.GetBytes(text), "drop.csv");

        Assert.Equal([2L, 3, 5, 6, 7, 8], outcomes.Select(o => o.Line));
        Assert.Equal("Hello, world", outcomes[0].Fields!["body"]);
        Assert.Equal("She said \"hi\"\nand left", outcomes[1].Fields!["body"]);
        Assert.Equal("expected 3 fields (as the header), found 2", outcomes[2].Error);
        Assert.Equal("expected 3 fields (as the header), found 4", outcomes[3].Error);
        Assert.Null(outcomes[4].Fields!["body"]);
        Assert.Equal("", outcomes[4].Fields!["channel"]);
        Assert.Contains("stray quote", outcomes[5].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_UnterminatedQuote_ReportedAtItsStartLine()
    {
        var outcomes = await ReadAsync(Encoding.UTF8.GetBytes("id,body\nT-1,ok\nT-2,\"never closed\nstill open\n"), "drop.csv");
        Assert.Equal([true, false], outcomes.Select(o => o.IsRecord));
        Assert.Equal(3, outcomes[1].Line);
        Assert.Contains("unterminated", outcomes[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_DuplicateHeader_Unreadable()
    {
        await Assert.ThrowsAsync<UnreadableDropException>(() => ReadAsync(Encoding.UTF8.GetBytes("id,id\n1,2\n"), "drop.csv"));
    }

    [Fact]
    public async Task Gzip_OfEachTextFormat_Read()
    {
        var jsonl = await ReadAsync(Gzip(Encoding.UTF8.GetBytes("{\"a\":1}\n{\"a\":2}\n")), "drop.jsonl.gz");
        var csv = await ReadAsync(Gzip(Encoding.UTF8.GetBytes("a\n1\n2\n3\n")), "drop.csv.gz");
        Assert.Equal(2, jsonl.Count);
        Assert.Equal(3, csv.Count);
    }

    [Fact]
    public async Task Gzip_Truncated_Unreadable()
    {
        var gz = Gzip(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":\"some text to compress\"}\n", 5000))));
        await Assert.ThrowsAsync<UnreadableDropException>(() => ReadAsync(gz[..(gz.Length / 2)], "drop.jsonl.gz"));
    }

    [Fact]
    public async Task Parquet_AndGzippedParquet_Read()
    {
        var bytes = await ParquetBytesAsync(3);
        var plain = await ReadAsync(bytes, "drop.parquet");
        var zipped = await ReadAsync(Gzip(bytes), "drop.parquet.gz");

        Assert.Equal([1L, 2, 3], plain.Select(o => o.Line));
        Assert.Equal("T-2", plain[1].Fields!["Id"]);
        Assert.Equal(2L, plain[1].Fields!["Priority"]);
        Assert.Equal(plain.Select(o => o.Fields!["Body"]), zipped.Select(o => o.Fields!["Body"]));
    }

    [Fact]
    public async Task Parquet_Truncated_Unreadable()
    {
        var bytes = await ParquetBytesAsync(50);
        var error = await Assert.ThrowsAsync<UnreadableDropException>(() => ReadAsync(bytes[..(bytes.Length - 10)], "drop.parquet"));
        Assert.Contains("Parquet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FiftyMegabyteLine_ReadWhole_NeighboursUnaffected()
    {
        var big = "{\"body\":\"" + new string('x', 50 * 1024 * 1024) + "\"}";
        var outcomes = await ReadAsync(Encoding.UTF8.GetBytes("{\"body\":\"a\"}\n" + big + "\n{\"body\":\"c\"}\n"), "drop.jsonl");
        Assert.Equal(3, outcomes.Count(o => o.IsRecord));
        Assert.Equal(50 * 1024 * 1024, ((string)outcomes[1].Fields!["body"]!).Length);
    }

    [Fact]
    public async Task LineOverTheLimit_SkippedAndReported_NextLineRead()
    {
        var lines = new List<Utf8LineProbe>();
        var bytes = Encoding.UTF8.GetBytes("short\n" + new string('y', 300_000) + "\nafter\n" + new string('z', 300_000));
        await foreach (var outcome in JsonlLinesAsync(bytes, 100_000))
        {
            lines.Add(outcome);
        }

        Assert.Equal([(1L, false), (2L, true), (3L, false), (4L, true)], lines.Select(l => (l.Number, l.TooLong)));
    }

    [Fact]
    public async Task UnknownExtension_Unreadable()
    {
        await Assert.ThrowsAsync<UnreadableDropException>(() => ReadAsync([1, 2, 3], "drop.xlsx"));
    }

    [Fact]
    public async Task GzipPastTheSizeLimit_Unreadable_BeforeReadingOn()
    {
        var lines = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"{{\"id\":\"T-{i}\",\"body\":\"ticket number {i} about {i * 7919 % 10007}\"}}\n"));
        var gz = Gzip(Encoding.UTF8.GetBytes(lines)); // about 2.5 MB of text
        var limits = new DecompressionLimits(1 << 20, 1000);
        var read = 0;
        var error = await Assert.ThrowsAsync<UnreadableDropException>(async () =>
        {
            await foreach (var _ in DropReader.ReadAsync(new MemoryStream(gz), "drop.jsonl.gz", SourceFormat.Auto, limits))
            {
                read++;
            }
        });
        Assert.Contains("more than 1 MB", error.Message, StringComparison.Ordinal);
        Assert.InRange(read, 1, 39_999);
    }

    [Fact]
    public void Lifecycle_DecompressionLimits_ReadPerSource_WithDefaults()
    {
        var yaml = """
            feature: f
            sources:
              - name: a
                path: raw/a/
                text_field: body
                max_decompressed_mb: 512
                max_compression_ratio: 40
                schema: { body: { type: string } }
              - name: b
                path: raw/b/
                text_field: body
                schema: { body: { type: string } }
            """;
        var lifecycle = LifecycleParser.Parse(yaml);
        Assert.Equal(new DecompressionLimits(512L << 20, 40), lifecycle.Sources[0].Limits);
        Assert.Equal(DecompressionLimits.Default, lifecycle.Sources[1].Limits);
    }

    public sealed record Utf8LineProbe(long Number, bool TooLong);

    private static async IAsyncEnumerable<Utf8LineProbe> JsonlLinesAsync(byte[] bytes, int max)
    {
        await foreach (var line in Utf8LineReader.ReadAsync(new MemoryStream(bytes), max))
        {
            yield return new Utf8LineProbe(line.Number, line.TooLong);
        }
    }

    private static async Task<List<ReadOutcome>> ReadAsync(byte[] bytes, string name)
    {
        var outcomes = new List<ReadOutcome>();
        await foreach (var outcome in DropReader.ReadAsync(new MemoryStream(bytes, writable: false), name, SourceFormat.Auto))
        {
            outcomes.Add(outcome);
        }

        return outcomes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static async Task<byte[]> ParquetBytesAsync(int rows)
    {
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeAsync(Enumerable.Range(1, rows).Select(i => new Ticket { Id = $"T-{i}", Body = $"body {i}", Priority = i }), stream);
        return stream.ToArray();
    }
}
