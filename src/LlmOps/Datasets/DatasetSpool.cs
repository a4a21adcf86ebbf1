using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LlmOps.Ingestion.Processing;

namespace LlmOps.Datasets;

/// <summary>
/// Records of a version-to-be, spooled to local gzip parts while the drop streams through, with a running hash of
/// their canonical JSON; nothing reaches storage until the quality gate has passed.
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
    private GZipStream? _gzip;
    private string? _partPath;
    private long _partRecords;
    private readonly ArrayBufferWriter<byte> _pending = new(FlushBytes * 2);
    private readonly Utf8JsonWriter _json;

    public DatasetSpool() => _json = new Utf8JsonWriter(_pending);

    /// <summary>The closed parts (all of them after <see cref="CompleteAsync"/>).</summary>
    public IReadOnlyList<SpooledPart> Parts => _parts;

    public async ValueTask AddAsync(DatasetRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_gzip is null || _partRecords == RecordsPerPart)
        {
            await ClosePartAsync();
            _partPath = Path.Combine(_folder, $"part-{_parts.Count:00000}.jsonl.gz");
            _file = new HashingWriteStream(new FileStream(_partPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous));
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
    public async Task<string> CompleteAsync()
    {
        await ClosePartAsync();
        return Convert.ToHexStringLower(_content.GetHashAndReset());
    }

    public async ValueTask DisposeAsync()
    {
        await ClosePartAsync();
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
    }

    private async ValueTask FlushPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.WrittenCount > 0)
        {
            await _gzip!.WriteAsync(_pending.WrittenMemory, cancellationToken);
            _pending.ResetWrittenCount();
        }
    }

    private async Task ClosePartAsync()
    {
        if (_gzip is not null)
        {
            await FlushPendingAsync(CancellationToken.None);
            await _gzip.DisposeAsync();
            _gzip = null;
        }

        if (_file is not null)
        {
            _parts.Add(new SpooledPart(_partPath!, _partRecords, _file.Sha256(), _file.Written));
            await _file.DisposeAsync();
            _file = null;
        }
    }
}
