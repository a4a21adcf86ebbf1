using System.Runtime.CompilerServices;
using System.Text;
using LlmOps.Lifecycle;

namespace LlmOps.Ingestion.Reading;

/// <summary>
/// Reads any drop a source accepts: picks the format from the lifecycle or the name (.jsonl, .csv, .parquet, each
/// optionally .gz), decompresses gzip, honours a UTF-8 BOM and transcodes UTF-16 (with BOM) to UTF-8. Failures
/// that make the whole file unreadable surface as <see cref="UnreadableDropException"/>.
/// </summary>
public static class DropReader
{
    public static bool IsGzip(string name) => name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    public static SourceFormat DetectFormat(string name, SourceFormat declared)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (declared != SourceFormat.Auto)
        {
            return declared;
        }

        var bare = IsGzip(name) ? name[..^3] : name;
        var extension = Path.GetExtension(bare).ToLowerInvariant();
        return extension switch
        {
            ".jsonl" or ".ndjson" or ".json" => SourceFormat.Jsonl,
            ".csv" => SourceFormat.Csv,
            ".parquet" => SourceFormat.Parquet,
            _ => throw new UnreadableDropException($"cannot tell the format of '{name}': expected .jsonl, .csv or .parquet (optionally .gz), or a format in the lifecycle file"),
        };
    }

    public static IAsyncEnumerable<ReadOutcome> ReadAsync(Stream stream, string name, SourceFormat declared, CancellationToken cancellationToken = default) =>
        ReadAsync(stream, name, declared, DecompressionLimits.Default, cancellationToken);

    public static async IAsyncEnumerable<ReadOutcome> ReadAsync(Stream stream, string name, SourceFormat declared, DecompressionLimits limits, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var format = DetectFormat(name, declared);
        var input = IsGzip(name) ? new GzipIntegrityStream(new NonDisposingStream(stream), limits, name) : stream;
        await using var owned = ReferenceEquals(input, stream) ? null : input;
        IAsyncEnumerable<ReadOutcome> outcomes;
        FileStream? spooled = null;
        try
        {
            if (format == SourceFormat.Parquet)
            {
                spooled = input.CanSeek ? null : await SpoolAsync(input, cancellationToken);
                outcomes = ParquetRecordReader.ReadAsync(spooled ?? input, cancellationToken);
            }
            else
            {
                var text = await ToUtf8Async(input, cancellationToken);
                outcomes = format == SourceFormat.Csv ? CsvRecordReader.ReadAsync(text, cancellationToken) : JsonlRecordReader.ReadAsync(text, cancellationToken);
            }
        }
        catch (InvalidDataException ex)
        {
            if (spooled is not null)
            {
                await spooled.DisposeAsync();
            }

            throw new UnreadableDropException($"'{name}' is not valid gzip: {ex.Message}", ex);
        }

        await using (spooled)
        {
            await using var enumerator = outcomes.GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                bool more;
                try
                {
                    more = await enumerator.MoveNextAsync();
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
                {
                    throw new UnreadableDropException($"'{name}' breaks off: {ex.Message}", ex);
                }

                if (!more)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
    }

    /// <summary>Returns a UTF-8 stream: a UTF-8 BOM is skipped, UTF-16 with a BOM is transcoded.</summary>
    private static async Task<Stream> ToUtf8Async(Stream input, CancellationToken cancellationToken)
    {
        var head = new byte[3];
        var read = 0;
        while (read < head.Length)
        {
            var n = await input.ReadAsync(head.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        if (read >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        {
            return new PrefixedReadStream(ReadOnlyMemory<byte>.Empty, new NonDisposingStream(input));
        }

        if (read >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        {
            var encoding = head[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
            return Encoding.CreateTranscodingStream(new PrefixedReadStream(head.AsMemory(2, read - 2), new NonDisposingStream(input)), encoding, Encoding.UTF8);
        }

        return new PrefixedReadStream(head.AsMemory(0, read), new NonDisposingStream(input));
    }

    private static async Task<FileStream> SpoolAsync(Stream input, CancellationToken cancellationToken)
    {
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await input.CopyToAsync(file, cancellationToken);
        file.Position = 0;
        return file;
    }
}
