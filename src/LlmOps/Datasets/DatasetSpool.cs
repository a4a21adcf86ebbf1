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

    private readonly string _folder = Directory.CreateTempSubdirectory("llmops-spool-").FullName;
    private readonly IncrementalHash _content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<SpooledPart> _parts = [];
    private HashingWriteStream? _file;
    private GZipStream? _gzip;
    private string? _partPath;
    private long _partRecords;

    /// <summary>The closed parts (all of them after <see cref="CompleteAsync"/>).</summary>
    public IReadOnlyList<SpooledPart> Parts => _parts;

    public async Task AddAsync(DatasetRecord record, CancellationToken cancellationToken)
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

        var line = JsonSerializer.SerializeToUtf8Bytes(record, JsonSerializerOptions.Web);
        _content.AppendData(line);
        _content.AppendData("\n"u8);
        await _gzip.WriteAsync(line, cancellationToken);
        await _gzip.WriteAsync("\n"u8.ToArray(), cancellationToken);
        _partRecords++;
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

    private async Task ClosePartAsync()
    {
        if (_gzip is not null)
        {
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
