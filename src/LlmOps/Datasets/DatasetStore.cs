using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Ingestion.Processing;
using LlmOps.Storage;

namespace LlmOps.Datasets;

/// <summary>Reads dataset versions: list, show, verify (recompute every part's SHA-256), records, diff.</summary>
public sealed class DatasetStore(StorageAccount storage)
{
    private readonly BlobContainerClient _container = storage.Container(StorageNames.DatasetsContainer);

    public async Task<IReadOnlyList<DatasetManifest>> ListAsync(string? source = null, CancellationToken cancellationToken = default)
    {
        var manifests = new List<DatasetManifest>();
        if (!await _container.ExistsAsync(cancellationToken))
        {
            return manifests;
        }

        var listing = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = source is null ? null : source + "/" }, cancellationToken);
        await foreach (var item in listing)
        {
            if (item.Name.EndsWith("/manifest.json", StringComparison.Ordinal) &&
                await DatasetVersionWriter.ReadManifestAsync(_container.GetBlobClient(item.Name), cancellationToken) is { } manifest)
            {
                manifests.Add(manifest);
            }
        }

        return [.. manifests.OrderByDescending(m => m.CreatedAt)];
    }

    public async Task<DatasetManifest?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await DatasetVersionWriter.ReadManifestAsync(_container.GetBlobClient(DatasetManifest.FolderOf(id) + "manifest.json"), cancellationToken);

    public async Task<DatasetManifest?> LatestAsync(string source, CancellationToken cancellationToken = default) =>
        await ListAsync(source, cancellationToken) is { Count: > 0 } versions ? versions[0] : null;

    /// <summary>Every problem found: a part missing, or its bytes no longer matching the manifest's SHA-256.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<string>();
        var folder = DatasetManifest.FolderOf(manifest.Id);
        foreach (var part in manifest.Parts)
        {
            var blob = _container.GetBlobClient(folder + part.Name);
            if (!await blob.ExistsAsync(cancellationToken))
            {
                problems.Add($"{part.Name}: missing");
                continue;
            }

            await using var stream = await blob.OpenReadAsync(cancellationToken: cancellationToken);
            var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            if (!string.Equals(sha, part.Sha256, StringComparison.Ordinal))
            {
                problems.Add($"{part.Name}: SHA-256 is {sha}, the manifest says {part.Sha256}");
            }
        }

        return problems;
    }

    public async IAsyncEnumerable<DatasetRecord> ReadRecordsAsync(DatasetManifest manifest, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var folder = DatasetManifest.FolderOf(manifest.Id);
        foreach (var part in manifest.Parts)
        {
            await using var stream = await _container.GetBlobClient(folder + part.Name).OpenReadAsync(cancellationToken: cancellationToken);
            await using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                yield return JsonSerializer.Deserialize<DatasetRecord>(line, JsonSerializerOptions.Web)!;
            }
        }
    }

    public async Task<DatasetDiff> DiffAsync(DatasetManifest from, DatasetManifest to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var record in ReadRecordsAsync(from, cancellationToken))
        {
            before[record.Id] = RecordProcessor.Fingerprint(record);
        }

        var added = new List<string>();
        var changed = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var record in ReadRecordsAsync(to, cancellationToken))
        {
            seen.Add(record.Id);
            if (!before.TryGetValue(record.Id, out var hash))
            {
                added.Add(record.Id);
            }
            else if (hash != RecordProcessor.Fingerprint(record))
            {
                changed.Add(record.Id);
            }
        }

        var removed = before.Keys.Where(id => !seen.Contains(id)).Order(StringComparer.Ordinal).ToList();
        return new DatasetDiff(from.Id, to.Id, [.. added.Order(StringComparer.Ordinal)], removed, [.. changed.Order(StringComparer.Ordinal)]);
    }
}
