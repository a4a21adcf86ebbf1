using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LlmOps.Ingestion.Processing;

namespace LlmOps.Datasets;

/// <summary>
/// Records of a version-to-be, spooled to gzip parts while the drop streams through, with a running hash of their
/// canonical JSON. Parts go to local files, or with a <see cref="PartStaging"/> are uploaded as they are written, so
/// the upload overlaps with the ETL; either way nothing is a version until it is published after the quality gate,
/// and staged parts are deleted when the spool is disposed.
/// </summary>
public sealed class DatasetSpool : IAsyncDisposable
{
    public const int RecordsPerPart = 100_000;

    /// <summary>Serialized records gather in memory up to this size before one write to the compressor.</summary>
    private const int FlushBytes = 1 << 16;

    private readonly string _folder = Directory.CreateTempSubdirectory("llmops-spool-").FullName;
    private readonly IncrementalHash _content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<SpooledPart> _parts = [];
    private HashingWriteStream? _file;
    private StagedBlockStream? _staged;
    private GZipStream? _gzip;
    private string? _partName;
    private long _partRecords;
    private readonly ArrayBufferWriter<byte> _pending = new(FlushBytes * 2);
    private readonly Utf8JsonWriter _json;
    private readonly PartStaging? _staging;

    /// <param name="staging">Where to upload the parts as they are written; none keeps them in local files.</param>
    public DatasetSpool(PartStaging? staging = null)
    {
        _json = new Utf8JsonWriter(_pending);
        _staging = staging;
    }

    /// <summary>The closed parts (all of them after <see cref="CompleteAsync"/>).</summary>
    public IReadOnlyList<SpooledPart> Parts => _parts;

    public async ValueTask AddAsync(DatasetRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_gzip is null || _partRecords == RecordsPerPart)
        {
            await ClosePartAsync(cancellationToken);
            _partName = $"part-{_parts.Count:00000}.jsonl.gz";
            Stream target = _staging is null
                ? new FileStream(Path.Combine(_folder, _partName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous)
                : _staged = new StagedBlockStream(_staging.Part(_partName), _staging.Run);
            _file = new HashingWriteStream(target);
            _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
            _partRecords = 0;
        }

        // One line of canonical JSON per record, appended to a buffer that reaches the compressor in large writes.
        var start = _pending.WrittenCount;
        _json.Reset(_pending);
        JsonSerializer.Serialize(_json, record, JsonSerializerOptions.Web);
        _json.Flush();
        _pending.Write("\n"u8);
        _content.AppendData(_pending.WrittenSpan[start..]);
        _partRecords++;
        if (_pending.WrittenCount >= FlushBytes)
        {
            await FlushPendingAsync(cancellationToken);
        }
    }

    /// <summary>Closes the last part and returns the SHA-256 of all records' canonical JSON.</summary>
    public async Task<string> CompleteAsync(CancellationToken cancellationToken = default)
    {
        await ClosePartAsync(cancellationToken);
        return Convert.ToHexStringLower(_content.GetHashAndReset());
    }

    public async ValueTask DisposeAsync()
    {
        await AbandonPartAsync();
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

        foreach (var part in _parts)
        {
            if (part.Staged is { } staged)
            {
                try
                {
                    // Only this run's commit: a newer run of the same input may have written over the name.
                    await _staging!.Part(part.Name).DeleteIfExistsAsync(conditions: new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = staged.ETag });
                }
                catch (Azure.RequestFailedException)
                {
                    // Left for the next run of the same input, which writes over it and deletes it.
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
        StagedPart? staged = null;
        if (_staged is not null)
        {
            staged = new StagedPart(_staging!.Part(_partName!).Uri, await _staged.CommitAsync("application/gzip", cancellationToken));
        }

        _parts.Add(new SpooledPart(_partName!, _partRecords, _file.Sha256(), _file.Written, _staged is null ? Path.Combine(_folder, _partName!) : null, staged));
        await AbandonPartAsync();
    }

    /// <summary>Closes the open part's streams without adding it (after <see cref="ClosePartAsync"/>, or when the spool is given up).</summary>
    private async Task AbandonPartAsync()
    {
        var (gzip, file) = (_gzip, _file);
        (_gzip, _file, _staged) = (null, null, null);
        try
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync();
            }
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or IOException or OperationCanceledException)
        {
            // The compressor's last bytes had nowhere to go; the part is given up anyway.
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }
}
