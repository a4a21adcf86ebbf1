using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LlmOps.Ingestion.Processing;

namespace LlmOps.Datasets;

/// <summary>
/// Records of a version-to-be, spooled to local gzip parts while the drop streams through, with a running hash of
/// their canonical JSON. With a <see cref="PartStaging"/>, each part uploads in the background as soon as it is
/// closed, so the upload overlaps with the ETL instead of following it; either way nothing is a version until it is
/// published after the quality gate, and staged parts are deleted when the spool is disposed.
/// </summary>
public sealed class DatasetSpool : IAsyncDisposable
{
    public const int RecordsPerPart = 100_000;

    /// <summary>
    /// A part closes at this compressed size too, so all but the last upload while records still come. One upload
    /// per part (Put Blob): the emulator spends about three times the CPU per byte on staged blocks.
    /// </summary>
    public const long PartBytes = 16 << 20;

    /// <summary>Closed parts uploading at once; a part closing beyond that waits for the oldest.</summary>
    private const int UploadsInFlight = 2;

    /// <summary>Serialized records gather in memory up to this size before one write to the compressor.</summary>
    private const int FlushBytes = 1 << 16;

    private readonly string _folder = Directory.CreateTempSubdirectory("llmops-spool-").FullName;
    private readonly DatasetContentHash _content = new();
    private readonly byte[] _lastDigest = new byte[DatasetContentHash.DigestBytes];
    private readonly List<SpooledPart> _parts = [];
    private readonly Queue<(int Index, Task<StagedPart> Upload)> _uploads = new();
    private HashingWriteStream? _file;
    private GZipStream? _gzip;
    private string? _partName;
    private long _partRecords;
    private readonly ArrayBufferWriter<byte> _pending = new(FlushBytes * 2);
    private readonly Utf8JsonWriter _json;
    private readonly PartStaging? _staging;

    /// <param name="staging">Where to upload each part once it is closed; none keeps the parts in local files only.</param>
    public DatasetSpool(PartStaging? staging = null)
    {
        _json = new Utf8JsonWriter(_pending);
        _staging = staging;
    }

    /// <summary>The digest of the record added last (<see cref="DatasetContentHash"/>).</summary>
    public ReadOnlySpan<byte> LastDigest => _lastDigest;

    /// <summary>The closed parts (all of them after <see cref="CompleteAsync"/>).</summary>
    public IReadOnlyList<SpooledPart> Parts => _parts;

    public async ValueTask AddAsync(DatasetRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await NextRecordAsync(cancellationToken);

        // One line of canonical JSON per record, appended to a buffer that reaches the compressor in large writes.
        var start = _pending.WrittenCount;
        _json.Reset(_pending);
        JsonSerializer.Serialize(_json, record, JsonSerializerOptions.Web);
        _json.Flush();
        await EndRecordAsync(start, cancellationToken);
    }

    /// <summary>
    /// Adds a record as its canonical JSON line (without the line feed), as <see cref="Line(DatasetRecord)"/> or an
    /// earlier spool wrote it: the parts and content hash are the same as adding the record itself.
    /// </summary>
    public async ValueTask AddLineAsync(ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        await NextRecordAsync(cancellationToken);
        var start = _pending.WrittenCount;
        _pending.Write(line.Span);
        await EndRecordAsync(start, cancellationToken);
    }

    /// <summary>A record's canonical JSON line, without the line feed.</summary>
    public static byte[] Line(DatasetRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, JsonSerializerOptions.Web);

    private async ValueTask NextRecordAsync(CancellationToken cancellationToken)
    {
        if (_gzip is null || _partRecords == RecordsPerPart || _file!.Written >= PartBytes)
        {
            await ClosePartAsync(cancellationToken);
            _partName = $"part-{_parts.Count:00000}.jsonl.gz";
            _file = new HashingWriteStream(new FileStream(Path.Combine(_folder, _partName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous));
            _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
            _partRecords = 0;
        }
    }

    private async ValueTask EndRecordAsync(int start, CancellationToken cancellationToken)
    {
        _content.AppendRecord(_pending.WrittenSpan[start..], _lastDigest);
        _pending.Write("\n"u8);
        _partRecords++;
        if (_pending.WrittenCount >= FlushBytes)
        {
            await FlushPendingAsync(cancellationToken);
        }
    }

    /// <summary>Closes the last part, waits for the parts' uploads (when staged), and returns the records' content hash (<see cref="DatasetContentHash"/>).</summary>
    public async Task<string> CompleteAsync(CancellationToken cancellationToken = default)
    {
        await ClosePartAsync(cancellationToken);
        while (_uploads.Count > 0)
        {
            await NextUploadAsync();
        }

        return _content.Finish();
    }

    public async ValueTask DisposeAsync()
    {
        await AbandonPartAsync();
        while (_uploads.Count > 0)
        {
            try
            {
                await NextUploadAsync();
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or OperationCanceledException)
            {
                // Seen by CompleteAsync already, or moot: the spool is given up.
            }
        }

        await _json.DisposeAsync();
        _content.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }

        foreach (var part in _staging?.Keep == true ? [] : _parts)
        {
            if (part.Staged is { } staged)
            {
                try
                {
                    // Only this run's upload: a newer run of the same input may have written over the name.
                    await _staging!.Part(part.Name).DeleteIfExistsAsync(conditions: new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = staged.ETag });
                }
                catch (Azure.RequestFailedException)
                {
                    // Left for the next run of the same input, which writes over it and deletes it (or expired after two days).
                }
            }
        }
    }

    private async ValueTask FlushPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.WrittenCount > 0)
        {
            await _gzip!.WriteAsync(_pending.WrittenMemory, cancellationToken);
            _pending.ResetWrittenCount();
        }
    }

    private async Task ClosePartAsync(CancellationToken cancellationToken)
    {
        if (_gzip is null || _file is null)
        {
            return;
        }

        await FlushPendingAsync(cancellationToken);
        await _gzip.DisposeAsync();
        _gzip = null;
        var part = new SpooledPart(_partName!, _partRecords, _file.Sha256(), _file.Written, Path.Combine(_folder, _partName!), null);
        await _file.DisposeAsync();
        _file = null;
        var index = _parts.Count;
        _parts.Add(part);
        if (_staging is not null)
        {
            while (_uploads.Count >= UploadsInFlight)
            {
                await NextUploadAsync();
            }

            _uploads.Enqueue((index, UploadAsync(_staging.Part(part.Name), part.LocalPath, cancellationToken)));
        }
    }

    private static async Task<StagedPart> UploadAsync(Azure.Storage.Blobs.Specialized.BlockBlobClient blob, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        var uploaded = await blob.UploadAsync(
            file, new Azure.Storage.Blobs.Models.BlobUploadOptions { HttpHeaders = new Azure.Storage.Blobs.Models.BlobHttpHeaders { ContentType = "application/gzip" } }, cancellationToken);
        return new StagedPart(blob.Uri, uploaded.Value.ETag);
    }

    /// <summary>Waits for the oldest upload and records where its part is staged (on the spool's own thread, not the upload's).</summary>
    private async Task NextUploadAsync()
    {
        var (index, upload) = _uploads.Dequeue();
        _parts[index] = _parts[index] with { Staged = await upload };
    }

    /// <summary>Closes the open part's streams without adding it, when the spool is given up.</summary>
    private async Task AbandonPartAsync()
    {
        var (gzip, file) = (_gzip, _file);
        (_gzip, _file) = (null, null);
        if (gzip is not null)
        {
            await gzip.DisposeAsync();
        }

        if (file is not null)
        {
            await file.DisposeAsync();
        }
    }
}
