using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Datasets;
using LlmOps.Ingestion.Validation;

namespace LlmOps.Ingestion.Sharding;

/// <summary>A part a shard staged: what the version's manifest needs of it, and the blob it is copied from.</summary>
public sealed record ShardPart(string Name, long Records, string Sha256, long Bytes, Uri Blob, string ETag)
{
    public SpooledPart As(string name) => new(name, Records, Sha256, Bytes, "", new StagedPart(Blob, new ETag(ETag)));
}

/// <summary>
/// What one run of a shard leaves for the fan-in, in one blob (<see cref="OutputsFile"/>, a request to store, one or two
/// to read, one to delete), its sections (<see cref="ShardSections"/>, in the receipt) in this order: <c>keys</c> (the
/// content keys and unique-rule values the run registered, sorted, so the fan-in merges every shard's keys in one
/// streaming pass), <c>index</c> (each accepted record's line and content digest, so the fan-in hashes the version
/// without reading the records), <c>quarantine</c> (each rejection, redacted, with the first line of a duplicate, and
/// for an <c>on_update</c> rejection the record it would have been; gzip), the parts list (JSON: its accepted records as
/// the version's parts will hold them, staged by a spool in drop order) and <c>updated</c> (the lines of accepted
/// records that replace an id of the previous version; gzip).
/// </summary>
internal sealed class ShardOutputWriter : IAsyncDisposable
{
    /// <summary>The blob of a run's outputs, under its folder.</summary>
    public const string OutputsFile = "outputs.bin";

    // Digests and key hashes are random bytes: compressing them costs both ends CPU and saves nothing.
    private const string KeysFile = "keys.bin";
    private const string IndexFile = "index.bin";
    private const string QuarantineFile = "quarantine.bin.gz";
    private const string PartsFile = "parts.json";
    private const string UpdatedFile = "updated.bin.gz";

    /// <summary>Ends the index, quarantine and updated sections (where a line would come).</summary>
    public const long End = long.MinValue;

    /// <summary>Ends the keys section (where a kind would come).</summary>
    public const byte EndOfKeys = byte.MaxValue;

    private readonly string _folder = Directory.CreateTempSubdirectory("llmops-shard-").FullName;
    private readonly DatasetSpool _spool;
    private readonly BinaryWriter _index;
    private readonly BinaryWriter _quarantine;

    public ShardOutputWriter(PartStaging staging)
    {
        _spool = new DatasetSpool(staging);
        _index = Open(IndexFile);
        _quarantine = Open(QuarantineFile);
    }

    public async ValueTask AddRecordAsync(DatasetRecord record, CancellationToken cancellationToken)
    {
        await _spool.AddAsync(record, cancellationToken);
        _index.Write(record.Line);
        _index.Write(_spool.LastDigest);
    }

    public void AddRejection(QuarantinedRecord rejection)
    {
        _quarantine.Write(rejection.Line);
        _quarantine.Write(rejection.DuplicateOf ?? -1);
        Frame(_quarantine, JsonSerializer.SerializeToUtf8Bytes(rejection, JsonSerializerOptions.Web));
        Frame(_quarantine, rejection.Record is { } record ? DatasetSpool.Line(record) : []);
    }

    /// <summary>
    /// Writes the keys (sorted) and updated lines while the last part uploads, then, the parts stored, uploads the
    /// outputs blob to <paramref name="path"/> and returns its sections.
    /// </summary>
    public async Task<ShardSections> UploadAsync(BlobContainerClient container, string path, IEnumerable<(byte Kind, UInt128 Hash, long Line)> keys, IEnumerable<long> updated, Func<Task>? midway, CancellationToken cancellationToken)
    {
        var stored = _spool.CompleteAsync(cancellationToken);
        _index.Write(End);
        _index.Dispose();
        _quarantine.Write(End);
        _quarantine.Dispose();
        var sorted = keys.ToArray();
        sorted.AsSpan().Sort(default(ByKindAndHash));
        using (var writer = Open(KeysFile))
        {
            foreach (var (kind, hash, line) in sorted)
            {
                writer.Write(kind);
                writer.Write((ulong)(hash >> 64));
                writer.Write((ulong)hash);
                writer.Write(line);
            }

            writer.Write(EndOfKeys);
        }

        using (var writer = Open(UpdatedFile))
        {
            foreach (var line in updated.Order())
            {
                writer.Write(line);
            }

            writer.Write(End);
        }

        await stored;
        await File.WriteAllBytesAsync(Path.Combine(_folder, PartsFile), JsonSerializer.SerializeToUtf8Bytes(
            _spool.Parts.Select(p => new ShardPart(p.Name, p.Records, p.Sha256, p.Bytes, p.Staged!.Blob, p.Staged.ETag.ToString())).ToList(), JsonSerializerOptions.Web), cancellationToken);
        if (midway is not null)
        {
            await midway();
        }

        // The sections one after the other, in ShardSections' order.
        var outputs = Path.Combine(_folder, OutputsFile);
        var lengths = new List<long>();
        await using (var file = new FileStream(outputs, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            foreach (var name in new[] { KeysFile, IndexFile, QuarantineFile, PartsFile, UpdatedFile })
            {
                await using var section = File.OpenRead(Path.Combine(_folder, name));
                lengths.Add(section.Length);
                await section.CopyToAsync(file, cancellationToken);
            }
        }

        // The fan-in reads none of it before the receipt, written after it, says the shard is done.
        await container.GetBlobClient(path).UploadAsync(outputs, overwrite: true, cancellationToken);
        return new ShardSections(lengths[0], lengths[1], lengths[2], lengths[3], lengths[4]);
    }

    public async ValueTask DisposeAsync()
    {
        await _spool.DisposeAsync();
        _index.Dispose();
        _quarantine.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    /// <summary>The keys file's order (a struct, so the sort is specialised for it).</summary>
    private readonly struct ByKindAndHash : IComparer<(byte Kind, UInt128 Hash, long Line)>
    {
        public int Compare((byte Kind, UInt128 Hash, long Line) x, (byte Kind, UInt128 Hash, long Line) y) =>
            x.Kind != y.Kind ? x.Kind.CompareTo(y.Kind) : x.Hash.CompareTo(y.Hash);
    }

    private BinaryWriter Open(string name)
    {
        var file = new FileStream(Path.Combine(_folder, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        return new(name.EndsWith(".gz", StringComparison.Ordinal) ? new BufferedStream(new GZipStream(file, CompressionLevel.Fastest), 1 << 16) : file);
    }

    private static void Frame(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }
}

/// <summary>Reads a shard's outputs back (<see cref="ShardOutputWriter"/>), streaming from the blob.</summary>
internal static class ShardOutputReader
{
    /// <summary>One ranged, streamed GET of a section (or adjacent sections) of an outputs blob.</summary>
    public static async Task<Stream> OpenAsync(BlobContainerClient container, string path, long offset, long length, CancellationToken cancellationToken) =>
        (await container.GetBlobClient(path).DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken)).Value.Content;

    /// <summary>A reader of a section's bytes, through gzip when <paramref name="compressed"/>.</summary>
    public static BinaryReader Open(Stream stream, bool compressed) =>
        new(compressed ? new BufferedStream(new GZipStream(stream, CompressionMode.Decompress), 1 << 16) : new BufferedStream(stream, 1 << 16));

    public static byte[] ReadFrame(BinaryReader reader) => reader.ReadBytes(reader.ReadInt32());

    /// <summary>Hands each digest of an index file (line, digest; to the end marker) to <paramref name="digest"/>, reading in blocks.</summary>
    public static void ReadDigests(Stream index, Action<ReadOnlySpan<byte>> digest)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(digest);
        const int Entry = sizeof(long) + DatasetContentHash.DigestBytes;
        var buffer = new byte[Entry << 13];
        var pending = 0;
        while (true)
        {
            var read = index.Read(buffer, pending, buffer.Length - pending);
            pending += read;
            var at = 0;
            for (; pending - at >= sizeof(long); at += Entry)
            {
                if (BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(at)) == ShardOutputWriter.End)
                {
                    return;
                }

                if (pending - at < Entry)
                {
                    break;
                }

                digest(buffer.AsSpan(at + sizeof(long), DatasetContentHash.DigestBytes));
            }

            if (read == 0)
            {
                throw new InvalidDataException("A shard's index ended without its end marker.");
            }

            buffer.AsSpan(at, pending - at).CopyTo(buffer);
            pending -= at;
        }
    }
}

/// <summary>A shard's keys file read entry by entry (kind, hash, line) from blocks, for the fan-in's merge.</summary>
internal sealed class ShardKeyReader(Stream keys) : IDisposable
{
    private const int Entry = 1 + (2 * sizeof(ulong)) + sizeof(long);
    private readonly byte[] _buffer = new byte[Entry << 12];
    private int _at;
    private int _end;

    /// <summary>The next entry, or false at the end marker.</summary>
    public bool TryRead(out byte kind, out UInt128 hash, out long line)
    {
        if (_end - _at < Entry && (_end - _at < 1 || _buffer[_at] != ShardOutputWriter.EndOfKeys))
        {
            Refill();
        }

        kind = _buffer[_at];
        if (kind == ShardOutputWriter.EndOfKeys)
        {
            (hash, line) = (default, 0);
            return false;
        }

        var entry = _buffer.AsSpan(_at + 1, Entry - 1);
        hash = new UInt128(BinaryPrimitives.ReadUInt64LittleEndian(entry), BinaryPrimitives.ReadUInt64LittleEndian(entry[sizeof(ulong)..]));
        line = BinaryPrimitives.ReadInt64LittleEndian(entry[(2 * sizeof(ulong))..]);
        _at += Entry;
        return true;
    }

    private void Refill()
    {
        var pending = _end - _at;
        _buffer.AsSpan(_at, pending).CopyTo(_buffer);
        (_at, _end) = (0, pending);
        do
        {
            var read = keys.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                throw new InvalidDataException("A shard's keys ended without their end marker.");
            }

            _end += read;
        }
        while (_end < Entry && _buffer[0] != ShardOutputWriter.EndOfKeys);
    }

    public void Dispose() => keys.Dispose();
}
