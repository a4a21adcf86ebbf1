using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Ingestion.Processing;
using LlmOps.Storage;

namespace LlmOps.Datasets;

/// <summary>
/// Dataset versions: the catalog (table <c>datasetversions</c>, one row per published version, which lists and finds
/// the latest without downloading manifests), and the versions themselves: show, verify (recompute every part's
/// SHA-256), records, diff.
/// </summary>
public sealed class DatasetStore(StorageAccount storage)
{
    private readonly BlobContainerClient _container = storage.Container(StorageNames.DatasetsContainer);
    private readonly TableClient _catalog = storage.Table(StorageNames.DatasetVersionsTable);

    /// <summary>Catalog rows, newest first (one partition query per source; the whole table without one).</summary>
    public async Task<IReadOnlyList<DatasetVersionEntry>> EntriesAsync(string? source = null, CancellationToken cancellationToken = default)
    {
        var entries = new List<DatasetVersionEntry>();
        try
        {
            var query = source is null
                ? _catalog.QueryAsync<DatasetVersionEntry>(cancellationToken: cancellationToken)
                : _catalog.QueryAsync<DatasetVersionEntry>(e => e.PartitionKey == TableKey.Encode(source), cancellationToken: cancellationToken);
            await foreach (var entry in query)
            {
                entries.Add(entry);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No version was ever published in this account.
        }

        return [.. entries.OrderByDescending(e => e.CreatedAt)];
    }

    public async Task<IReadOnlyList<DatasetManifest>> ListAsync(string? source = null, CancellationToken cancellationToken = default)
    {
        var manifests = new List<DatasetManifest>();
        foreach (var entry in await EntriesAsync(source, cancellationToken))
        {
            if (await GetAsync(entry.VersionId, cancellationToken) is { } manifest)
            {
                manifests.Add(manifest);
            }
        }

        return manifests;
    }

    /// <summary>The catalog row of a version, or null while it is not catalogued.</summary>
    public async Task<DatasetVersionEntry?> GetEntryAsync(string id, CancellationToken cancellationToken = default)
    {
        var at = id.IndexOf('@', StringComparison.Ordinal);
        var row = await _catalog.GetEntityIfExistsAsync<DatasetVersionEntry>(TableKey.Encode(DatasetManifest.SourceOf(id)), TableKey.Encode(id[(at + 1)..]), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<DatasetManifest?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await DatasetVersionWriter.ReadManifestAsync(_container.GetBlobClient(DatasetManifest.FolderOf(id) + "manifest.json"), cancellationToken);

    public async Task<DatasetManifest?> LatestAsync(string source, CancellationToken cancellationToken = default) =>
        await EntriesAsync(source, cancellationToken) is [var newest, ..] ? await GetAsync(newest.VersionId, cancellationToken) : null;

    /// <summary>The version's catalog row: the one already there (a replay), or a new one, not yet announced.</summary>
    public async Task<DatasetVersionEntry> CatalogAsync(DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var entry = new DatasetVersionEntry
        {
            PartitionKey = TableKey.Encode(manifest.Source),
            RowKey = TableKey.Encode(manifest.Id[(manifest.Id.IndexOf('@', StringComparison.Ordinal) + 1)..]),
            VersionId = manifest.Id,
            Feature = manifest.Feature,
            Manifest = DatasetManifest.FolderOf(manifest.Id) + "manifest.json",
            Records = manifest.Records,
            Chunks = manifest.Chunks,
            CreatedAt = manifest.CreatedAt,
        };
        var existing = await _catalog.GetEntityIfExistsAsync<DatasetVersionEntry>(entry.PartitionKey, entry.RowKey, cancellationToken: cancellationToken);
        if (existing.HasValue && existing.Value is { } found)
        {
            return found;
        }

        try
        {
            await _catalog.AddEntityAsync(entry, cancellationToken);
            return entry;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another host published the same content at the same moment: its row stands.
            return (await _catalog.GetEntityAsync<DatasetVersionEntry>(entry.PartitionKey, entry.RowKey, cancellationToken: cancellationToken)).Value;
        }
    }

    /// <summary>Records that the version's announcement went out.</summary>
    public async Task MarkAnnouncedAsync(DatasetVersionEntry entry, string messageId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Announced = true;
        entry.MessageId = messageId;
        entry.AnnouncedAt = at;
        await _catalog.UpdateEntityAsync(entry, ETag.All, TableUpdateMode.Replace, cancellationToken);
    }

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
