using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
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
    private const string ByTimePrefix = "t|";
    private readonly TableClient _catalog = storage.Table(StorageNames.DatasetVersionsTable);

    /// <summary>
    /// Catalog rows, newest first, page by page as the table returns them: one partition range query per source; the
    /// whole table without one (newest first within each source).
    /// </summary>
    public async IAsyncEnumerable<DatasetVersionEntry> EntriesAsync(string? source = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableKey.PrefixFilter(source is null ? null : TableKey.Encode(source), ByTimePrefix);
        await foreach (var entry in _catalog.QueryAsync<DatasetVersionEntry>(filter, cancellationToken: cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>The manifests of <see cref="EntriesAsync"/>, newest first.</summary>
    public async IAsyncEnumerable<DatasetManifest> ListAsync(string? source = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in EntriesAsync(source, cancellationToken))
        {
            if (await GetAsync(entry.VersionId, cancellationToken) is { } manifest)
            {
                yield return manifest;
            }
        }
    }

    /// <summary>The catalog row of a version, or null while it is not catalogued.</summary>
    public async Task<DatasetVersionEntry?> GetEntryAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await _catalog.GetEntityIfExistsAsync<DatasetVersionEntry>(TableKey.Encode(DatasetManifest.SourceOf(id)), HashRow(id), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task<DatasetManifest?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await DatasetVersionWriter.ReadManifestAsync(_container.GetBlobClient(DatasetManifest.FolderOf(id) + "manifest.json"), cancellationToken);

    /// <summary>The newest version of <paramref name="source"/>: the first row of its time-ordered range, one request.</summary>
    public async Task<DatasetManifest?> LatestAsync(string source, CancellationToken cancellationToken = default)
    {
        await foreach (var entry in EntriesAsync(source, cancellationToken))
        {
            return await GetAsync(entry.VersionId, cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// The version's catalog row: the one already there (a replay), or a new one, not yet announced. Each version has
    /// two rows written in one transaction: one keyed by its hash (point reads) and one keyed newest first (listing).
    /// </summary>
    public async Task<DatasetVersionEntry> CatalogAsync(DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var entry = new DatasetVersionEntry
        {
            PartitionKey = TableKey.Encode(manifest.Source),
            RowKey = HashRow(manifest.Id),
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
            await _catalog.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, entry), new TableTransactionAction(TableTransactionActionType.Add, ByTime(entry))],
                cancellationToken);
            return entry;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // Another host published the same content at the same moment: its rows stand.
            return (await _catalog.GetEntityAsync<DatasetVersionEntry>(entry.PartitionKey, entry.RowKey, cancellationToken: cancellationToken)).Value;
        }
    }

    /// <summary>Records, on both of the version's rows at once, that its announcement went out.</summary>
    public async Task MarkAnnouncedAsync(DatasetVersionEntry entry, string messageId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.RowKey = HashRow(entry.VersionId);
        entry.Announced = true;
        entry.MessageId = messageId;
        entry.AnnouncedAt = at;
        await _catalog.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, entry, ETag.All),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, ByTime(entry)),
            ],
            cancellationToken);
    }

    /// <summary>
    /// Takes an erased version out of listings (its newest-first row goes; the row by hash stays for point reads), so
    /// the successor erasure published in its place is the latest.
    /// </summary>
    public async Task UncatalogAsync(DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (await GetEntryAsync(manifest.Id, cancellationToken) is { } entry)
        {
            await _catalog.DeleteEntityAsync(entry.PartitionKey, ByTime(entry).RowKey, ETag.All, cancellationToken);
        }
    }

    /// <summary>What erasure left of a version (beside its manifest), or null when it was not erased.</summary>
    /// <summary>
    /// <paramref name="manifest"/>, or, when an erasure retired it, the successor that replaced it (followed through
    /// later erasures): what a reader that kept an old version id (a run's input, a drift reference) reads now.
    /// </summary>
    public async Task<DatasetManifest> LiveAsync(DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        for (var hops = 0; hops < 64 && await TombstoneAsync(manifest.Id, cancellationToken) is { } tombstone; hops++)
        {
            manifest = await GetAsync(tombstone.Successor, cancellationToken)
                ?? throw Errors.LlmOpsException.NotFound($"{manifest.Id} was erased ({tombstone.Erasure}) and its successor {tombstone.Successor} is gone.");
        }

        return manifest;
    }

    public async Task<ErasureTombstone?> TombstoneAsync(string id, CancellationToken cancellationToken = default) =>
        await _container.GetBlobClient(DatasetManifest.FolderOf(id) + ErasureTombstone.FileName).ReadAsync<ErasureTombstone>(cancellationToken);

    private static string HashRow(string id) => TableKey.Encode(id[(id.IndexOf('@', StringComparison.Ordinal) + 1)..]);

    private static DatasetVersionEntry ByTime(DatasetVersionEntry entry) =>
        entry.CopyAs($"{ByTimePrefix}{TableKey.NewestFirst(entry.CreatedAt)}|{HashRow(entry.VersionId)}");

    /// <summary>Every problem found: a part missing, or its bytes no longer matching the manifest's SHA-256.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<string>();
        var folder = DatasetManifest.FolderOf(manifest.Id);
        foreach (var part in manifest.Parts)
        {
            string sha;
            try
            {
                await using var stream = await _container.GetBlobClient(folder + part.Name).OpenStreamAsync(cancellationToken: cancellationToken);
                sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                problems.Add($"{part.Name}: missing");
                continue;
            }

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
            await using var stream = await _container.GetBlobClient(folder + part.Name).OpenStreamAsync(cancellationToken: cancellationToken);
            await using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                yield return JsonSerializer.Deserialize<DatasetRecord>(line, JsonSerializerOptions.Web)!;
            }
        }
    }

    /// <summary>The text of each record of <paramref name="manifest"/> whose id is in <paramref name="ids"/> (one pass; only those texts are kept).</summary>
    public async Task<Dictionary<string, string>> ReadTextsAsync(DatasetManifest manifest, IReadOnlySet<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var record in ReadRecordsAsync(manifest, cancellationToken))
        {
            if (ids.Contains(record.Id))
            {
                texts.TryAdd(record.Id, record.Text);
            }
        }

        return texts;
    }

    public async Task<DatasetDiff> DiffAsync(DatasetManifest from, DatasetManifest to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var record in ReadRecordsAsync(from, cancellationToken))
        {
            before[record.Id] = DatasetRecord.Fingerprint(record);
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
            else if (hash != DatasetRecord.Fingerprint(record))
            {
                changed.Add(record.Id);
            }
        }

        var removed = before.Keys.Where(id => !seen.Contains(id)).Order(StringComparer.Ordinal).ToList();
        return new DatasetDiff(from.Id, to.Id, [.. added.Order(StringComparer.Ordinal)], removed, [.. changed.Order(StringComparer.Ordinal)]);
    }
}
