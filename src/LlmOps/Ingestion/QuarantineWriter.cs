using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using LlmOps.Ingestion.Validation;
using LlmOps.Storage;

namespace LlmOps.Ingestion;

/// <summary>
/// Collects a drop's rejected records (spooled locally as gzip JSON Lines) and writes them, with a report, under
/// <c>quarantine/{source}/{name-hash}-{etag}/</c>. Rejected records come redacted; an unreadable drop is not copied
/// (its report points at the raw blob and ETag), so quarantine holds no personal data that raw/ does not.
/// </summary>
public sealed class QuarantineWriter : IAsyncDisposable
{
    private readonly BlobContainerClient _container;
    private readonly string _spoolPath = Path.Combine(Path.GetTempPath(), $"llmops-quarantine-{Guid.NewGuid():N}.jsonl.gz");
    private FileStream? _file;
    private GZipStream? _gzip;

    public QuarantineWriter(StorageAccount storage, string source, string blobName, string etag)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(blobName);
        ArgumentNullException.ThrowIfNull(etag);
        _container = storage.Container(StorageNames.QuarantineContainer);
        // Blob names may hold '..' or any Unicode: the folder uses a hash, the report keeps the name.
        var nameHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blobName)))[..16];
        Folder = $"{source}/{nameHash}-{etag.Trim('"')}/";
    }

    /// <summary>The rejected records (redacted, gzip JSON Lines) in a drop's quarantine folder.</summary>
    public const string RejectedFile = "rejected.jsonl.gz";

    public string Folder { get; }

    public long Count { get; private set; }

    public async Task AddAsync(QuarantinedRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_gzip is null)
        {
            _file = new FileStream(_spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
        }

        await _gzip.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(record, JsonSerializerOptions.Web), cancellationToken);
        await _gzip.WriteAsync("\n"u8.ToArray(), cancellationToken);
        Count++;
    }

    /// <summary>Uploads the rejected records (if any) and the report.</summary>
    public async Task WriteAsync(object report, CancellationToken cancellationToken)
    {
        if (_gzip is not null && _file is not null)
        {
            await _gzip.DisposeAsync();
            _gzip = null;
            _file.Position = 0;
            await _container.GetBlobClient(Folder + RejectedFile).UploadAsync(_file, overwrite: true, cancellationToken);
        }

        await _container.GetBlobClient(Folder + "report.json")
            .UploadAsync(BinaryData.FromObjectAsJson(report, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gzip is not null)
        {
            await _gzip.DisposeAsync();
        }

        if (_file is not null)
        {
            await _file.DisposeAsync();
        }
    }
}
