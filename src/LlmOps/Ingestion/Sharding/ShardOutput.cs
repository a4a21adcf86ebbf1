using System.IO.Compression;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using LlmOps.Datasets;
using LlmOps.Ingestion.Validation;

namespace LlmOps.Ingestion.Sharding;

/// <summary>A part a shard staged: what the version's manifest needs of it, and the blob it is copied from.</summary>
public sealed record ShardPart(string Name, long Records, string Sha256, long Bytes, Uri Blob, string ETag)
{
    public SpooledPart As(string name) => new(name, Records, Sha256, Bytes, "", new StagedPart(Blob, new ETag(ETag)));
}

/// <summary>
/// What one run of a shard leaves for the fan-in under the shard's folder: its accepted records as the version's parts
/// will hold them (staged by a spool, in drop order), <c>index</c> (each accepted record's line and content digest, so
/// the fan-in hashes the version without reading the records), <c>quarantine</c> (each rejection, redacted, with the
/// first line of a duplicate, and for an <c>on_update</c> rejection the record it would have been), <c>keys</c> (the
/// content keys and unique-rule values the run registered, sorted, so the fan-in merges every shard's keys in one
/// streaming pass) and <c>updated</c> (the lines of accepted records that replace an id of the previous version).
/// </summary>
internal sealed class ShardOutputWriter : IAsyncDisposable
{
    public const string PartsFile = "parts.json";
    public const string IndexFile = "index.bin.gz";
    public const string QuarantineFile = "quarantine.bin.gz";
    public const string KeysFile = "keys.bin.gz";
    public const string UpdatedFile = "updated.bin.gz";

    /// <summary>Ends the index, quarantine and updated files (where a line would come).</summary>
    public const long End = long.MinValue;

    /// <summary>Ends the keys file (where a kind would come).</summary>
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

    /// <summary>Waits for the parts, writes the keys (sorted) and updated lines, and uploads the rest under <paramref name="prefix"/>.</summary>
    public async Task UploadAsync(BlobContainerClient container, string prefix, IEnumerable<(byte Kind, UInt128 Hash, long Line)> keys, IEnumerable<long> updated, Func<Task>? midway, CancellationToken cancellationToken)
    {
        await _spool.CompleteAsync(cancellationToken);
        var parts = _spool.Parts.Select(p => new ShardPart(p.Name, p.Records, p.Sha256, p.Bytes, p.Staged!.Blob, p.Staged.ETag.ToString())).ToList();
        if (midway is not null)
        {
            await midway();
        }

        _index.Write(End);
        _index.Dispose();
        _quarantine.Write(End);
        _quarantine.Dispose();
        using (var writer = Open(KeysFile))
        {
            foreach (var (kind, hash, line) in keys.OrderBy(k => k.Kind).ThenBy(k => k.Hash))
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

        foreach (var name in new[] { IndexFile, QuarantineFile, KeysFile, UpdatedFile })
        {
            await container.GetBlobClient(prefix + name).UploadAsync(Path.Combine(_folder, name), overwrite: true, cancellationToken);
        }

        // Last: the fan-in reads the parts list only once the receipt says the shard is done.
        await container.GetBlobClient(prefix + PartsFile).UploadAsync(BinaryData.FromObjectAsJson(parts, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
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

    private BinaryWriter Open(string name) =>
        new(new BufferedStream(new GZipStream(new FileStream(Path.Combine(_folder, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), CompressionLevel.Fastest), 1 << 16));

    private static void Frame(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }
}

/// <summary>Reads a shard's files back (<see cref="ShardOutputWriter"/>), streaming from the blobs.</summary>
internal static class ShardOutputReader
{
    public static async Task<BinaryReader> OpenAsync(BlobContainerClient container, string path, CancellationToken cancellationToken)
    {
        var stream = await container.GetBlobClient(path).OpenReadAsync(new Azure.Storage.Blobs.Models.BlobOpenReadOptions(false) { BufferSize = 1 << 20 }, cancellationToken);
        return new BinaryReader(new BufferedStream(new GZipStream(stream, CompressionMode.Decompress), 1 << 16));
    }

    public static byte[] ReadFrame(BinaryReader reader) => reader.ReadBytes(reader.ReadInt32());
}
