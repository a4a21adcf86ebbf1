using System.IO.Compression;
using System.Text.Json;
using Azure.Storage.Blobs;
using LlmOps.Datasets;
using LlmOps.Ingestion.Validation;

namespace LlmOps.Ingestion.Sharding;

/// <summary>
/// What one run of a shard leaves for the fan-in, as gzip files of length-prefixed frames under the shard's folder:
/// <c>records</c> (each accepted record's line, its canonical JSON line as the spool writes it, and its fields as read,
/// which the fan-in needs only when the record turns out to duplicate one in an earlier shard), <c>quarantine</c> (each
/// rejection, redacted, with the first line of a duplicate), <c>keys</c> (the content keys and unique-rule values the run
/// registered, sorted, so the fan-in merges every shard's keys in one streaming pass) and <c>updated</c> (the lines of
/// accepted records that replace an id of the previous version). Written locally while the shard runs, uploaded at the end.
/// </summary>
internal sealed class ShardOutputWriter : IAsyncDisposable
{
    public const string RecordsFile = "records.bin.gz";
    public const string QuarantineFile = "quarantine.bin.gz";
    public const string KeysFile = "keys.bin.gz";
    public const string UpdatedFile = "updated.bin.gz";

    /// <summary>Ends the records, quarantine and updated files (where a line would come).</summary>
    public const long End = long.MinValue;

    /// <summary>Ends the keys file (where a kind would come).</summary>
    public const byte EndOfKeys = byte.MaxValue;

    private readonly string _folder = Directory.CreateTempSubdirectory("llmops-shard-").FullName;
    private readonly BinaryWriter _records;
    private readonly BinaryWriter _quarantine;

    public ShardOutputWriter()
    {
        _records = Open(RecordsFile);
        _quarantine = Open(QuarantineFile);
    }

    public void AddRecord(DatasetRecord record, IReadOnlyDictionary<string, object?> fields)
    {
        _records.Write(record.Line);
        Frame(_records, DatasetSpool.Line(record));
        Frame(_records, JsonSerializer.SerializeToUtf8Bytes(fields, JsonSerializerOptions.Web));
    }

    public void AddRejection(QuarantinedRecord rejection)
    {
        _quarantine.Write(rejection.Line);
        _quarantine.Write(rejection.DuplicateOf ?? -1);
        Frame(_quarantine, JsonSerializer.SerializeToUtf8Bytes(rejection, JsonSerializerOptions.Web));
    }

    /// <summary>Closes the files, writes the keys (sorted) and updated lines, and uploads all four under <paramref name="prefix"/>.</summary>
    public async Task UploadAsync(BlobContainerClient container, string prefix, IEnumerable<(byte Kind, UInt128 Hash, long Line)> keys, IEnumerable<long> updated, Func<Task>? midway, CancellationToken cancellationToken)
    {
        _records.Write(End);
        _records.Dispose();
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

        foreach (var name in new[] { RecordsFile, QuarantineFile, KeysFile, UpdatedFile })
        {
            await container.GetBlobClient(prefix + name).UploadAsync(Path.Combine(_folder, name), overwrite: true, cancellationToken);
            if (name == RecordsFile && midway is not null)
            {
                await midway();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _records.Dispose();
        _quarantine.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }

        return ValueTask.CompletedTask;
    }

    private BinaryWriter Open(string name) =>
        new(new GZipStream(new FileStream(Path.Combine(_folder, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), CompressionLevel.Fastest));

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

    /// <summary>A record's fields as read, back from their JSON: string, long, double, bool or null, as the readers give them.</summary>
    public static Dictionary<string, object?> Fields(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            fields[property.Name] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.TryGetInt64(out var whole) ? whole : value.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Null => null,
                _ => value.GetRawText(),
            };
        }

        return fields;
    }
}
