using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Datasets;
using LlmOps.Embeddings;
using LlmOps.Feedback;
using LlmOps.Ingestion.Reading;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Notifications;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parquet.Serialization;

using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>
/// Erasure of one data subject (<c>llmops erase --subject VALUE [--field F]</c>) from everything LlmOps keeps: raw drops
/// and feedback drops are rewritten without their lines, quarantine and label files without their records, traces and
/// scores deleted with their Parquet rows. Versions are write-once, so each dataset version holding the subject gets a
/// successor without those records (a new id, lineage <c>erased_from</c>; parts without them are copied server-side,
/// not rewritten) and each index of it a successor (shards without them copied, the others rebuilt from the stored
/// vectors: nothing is embedded again); the old version's parts are deleted and its manifest stays with a tombstone
/// beside it (<c>datasets verify</c> says erased). The subject goes on a keyed suppression list first, so a drop that
/// arrives meanwhile, or the original file dropped again, cannot bring them back. Admin only; one audit entry.
/// </summary>
public sealed class ErasureRunner(
    StorageAccount storage,
    LifecycleCatalog lifecycles,
    EmbeddingIndexStore indexes,
    LineageStore lineage,
    Registry.ModelRegistry registry,
    Tracking.ExperimentTracker tracker,
    FeedbackStore feedback,
    SuppressionList suppressions,
    SubjectHasher subjects,
    ChangeControl governance,
    NotificationOutbox notifications,
    TimeProvider clock,
    ILogger<ErasureRunner>? logger = null,
    SearchIndexMirror? mirror = null)
{
    /// <summary>Whether line <paramref name="number"/> (from 1) of a file goes; <paramref name="line"/> is its UTF-8 bytes without the line break.</summary>
    private delegate bool LinePredicate(long number, ReadOnlySpan<byte> line);

    /// <summary>The metadata a blob rewritten by erasure carries (the erasure's id); ingestion does not run it again.</summary>
    public const string MetadataKey = DropIngestor.ErasureMetadataKey;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };
    private static readonly string[] ItemProperties = ["item", "id"];
    private static readonly string[] TraceProperties = ["id", "traceId", "trace_id"];
    private readonly ILogger _logger = logger ?? NullLogger<ErasureRunner>.Instance;
    private readonly DatasetStore _datasets = new(storage);

    public async Task<ErasureReport> EraseAsync(string value, string? field = null, string? why = null, bool dryRun = false, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var subject = DataSubject.Create(value, field);
        var caller = await governance.DemandAsync(Role.Admin, null, "erase a data subject", cancellationToken);
        var now = clock.GetUtcNow();
        var run = new Run(subject, $"erasure:{Ulid.NewUlid(now)}", dryRun, now);
        var subjectId = "subject:" + await suppressions.HashAsync(subject, cancellationToken);
        if (!dryRun)
        {
            // First, so a drop ingested while this runs is already held back.
            await suppressions.AddAsync(subject, run.Id, now, cancellationToken);
        }

        // Every step that reads what another step destroys comes before it (traces, raw lines, the old versions), so
        // an erasure stopped anywhere and run again finds the same records and finishes the work.
        progress?.Report("traces and scores");
        await FindTracesAsync(run, await subjects.KeyAsync(cancellationToken), cancellationToken);
        progress?.Report("raw drops");
        await FindRawAsync(run, await lifecycles.ListAsync(cancellationToken), cancellationToken);
        progress?.Report("dataset versions");
        await EraseVersionsAsync(run, cancellationToken);
        progress?.Report("embedding indexes");
        await EraseIndexesAsync(run, cancellationToken);
        progress?.Report("quarantine");
        await EraseQuarantineAsync(run, cancellationToken);
        progress?.Report("feedback drops and Parquet parts");
        await EraseFeedbackFilesAsync(run, cancellationToken);
        progress?.Report("labels");
        await EraseLabelsAsync(run, cancellationToken);
        progress?.Report("search queries");
        await EraseSearchQueriesAsync(run, cancellationToken);
        progress?.Report("registry versions built on erased data");
        await MoveRegistryAsync(run, cancellationToken);
        if (!dryRun)
        {
            progress?.Report("retiring the old versions");
            foreach (var (container, folder, tombstone, names, retire) in run.Retire)
            {
                await TombstoneAsync(storage.Container(container), folder, tombstone, names, cancellationToken);
                await retire();
            }
        }

        progress?.Report("deleting traces, rewriting raw drops");
        await DeleteTracesAsync(run, cancellationToken);
        await RewriteRawAsync(run, cancellationToken);

        var report = new ErasureReport(run.Id, subjectId, subject.Type, subject.Field, now, dryRun, run.Items);
        if (dryRun)
        {
            return report;
        }

        var path = ReportPath(report.Id);
        await storage.Container(StorageNames.ReportsContainer).GetBlobClient(path).UploadAsync(BinaryData.FromObjectAsJson(report, Json), overwrite: true, cancellationToken);
        await governance.RecordAsync(new AuditRecord("erasure", subjectId, null, why, null, report.Id), caller, cancellationToken);
        await notifications.RaiseAsync(
            new NotificationEvent(
                report.Id, NotificationKinds.ErasureRun, null, $"Erasure of a data subject: {report.Removed} record(s) removed",
                string.Join(", ", report.Items.GroupBy(i => i.Store).Select(g => $"{g.Key} {g.Sum(i => i.Removed)}")) + $"; {report.Items.Count(i => i.Successor is not null)} successor version(s)",
                $"{StorageNames.ReportsContainer}/{path}", now),
            cancellationToken);
        _logger.LogInformation("{Erasure}: removed {Removed} record(s) of {Subject}", report.Id, report.Removed, subjectId);
        return report;
    }

    public static string ReportPath(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.StartsWith("erasure:", StringComparison.Ordinal)
            ? ErasureReport.Folder + id["erasure:".Length..] + ".json"
            : throw Errors.LlmOpsException.Invalid($"'{id}' is not an erasure id (erasure:<ulid>).");
    }

    /// <summary>Traces of the subject (their keyed user or session hash, or the value in their input or output) and every score of them.</summary>
    private async Task FindTracesAsync(Run run, SubjectKey key, CancellationToken cancellationToken)
    {
        var user = key.Hash("user", run.Subject.Value);
        var session = key.Hash("session", run.Subject.Value);
        var table = storage.Table(StorageNames.FeedbackTable);
        var rows = new List<(string Partition, string Id)>();
        await foreach (var row in table.QueryAsync<TraceRow>(r => r.RowKey.CompareTo("") >= 0, cancellationToken: cancellationToken))
        {
            if (!row.RowKey.EndsWith("|trace", StringComparison.Ordinal))
            {
                continue;
            }

            if (row.UserHash == user || row.SessionHash == session || (run.Subject.Field is null && (Holds(run.Subject, row.Input) || Holds(run.Subject, row.Output))))
            {
                rows.Add((row.PartitionKey, row.Id));
            }
        }

        run.TraceRows.AddRange(rows);
        run.TraceIds.UnionWith(rows.Select(r => r.Id));
    }

    private async Task DeleteTracesAsync(Run run, CancellationToken cancellationToken)
    {
        var (traces, scores) = await feedback.DeleteTracesAsync(run.TraceRows, run.DryRun, cancellationToken);
        run.Add("traces", StorageNames.FeedbackTable, traces);
        run.Add("scores", StorageNames.FeedbackTable, scores);
    }

    private static bool Holds(DataSubject subject, string? text) => text is not null && subject.MatchesText(text);

    /// <summary>Every drop of every lifecycle's sources read for the subject's lines (JSON Lines, CSV, gzip or not) and rows (Parquet); nothing written yet.</summary>
    private async Task FindRawAsync(Run run, IReadOnlyList<LifecycleDefinition> all, CancellationToken cancellationToken)
    {
        var raw = storage.Container(StorageNames.RawContainer);
        foreach (var source in all.SelectMany(l => l.Sources).DistinctBy(s => s.Path))
        {
            var ids = run.Ids.TryGetValue(source.Name, out var known) ? known : run.Ids[source.Name] = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var blob in raw.GetBlobsAsync(new GetBlobsOptions { Prefix = source.Path["raw/".Length..] }, cancellationToken))
            {
                var etag = blob.Properties.ETag?.ToString() ?? "";
                var lines = new HashSet<long>();
                long removed;
                if (DropReader.DetectFormat(blob.Name, source.Format) == SourceFormat.Parquet)
                {
                    await using var content = await raw.GetBlobClient(blob.Name).OpenReadAsync(cancellationToken: cancellationToken);
                    await foreach (var outcome in DropReader.ReadAsync(content, blob.Name, source.Format, source.Limits, cancellationToken))
                    {
                        if (outcome.Fields is { } fields && run.Subject.Matches(fields, null))
                        {
                            lines.Add(outcome.Line);
                            if (source.IdField is not null && fields.GetValueOrDefault(source.IdField) is { } id)
                            {
                                ids.Add(Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture)!);
                            }
                        }
                    }

                    removed = lines.Count;
                }
                else
                {
                    var csv = DropReader.DetectFormat(blob.Name, source.Format) == SourceFormat.Csv;
                    string[]? header = null;
                    removed = await FilterLinesAsync(raw, blob, run, write: false, (number, line) =>
                    {
                        if (csv && header is null)
                        {
                            header = Encoding.UTF8.GetString(line).Split(',');
                            return false;
                        }

                        // A CSV row with a field to look at is read by its header (cells split on commas, quotes trimmed).
                        var mine = csv && run.Subject.Field is not null
                            ? run.Subject.Matches(Cells(header!, Encoding.UTF8.GetString(line)), null)
                            : run.Subject.MatchesUtf8(line);
                        if (!mine)
                        {
                            return false;
                        }

                        lines.Add(number);
                        if (source.IdField is not null && IdOf(Encoding.UTF8.GetString(line), source.IdField, header) is { } id)
                        {
                            ids.Add(id);
                        }

                        return true;
                    }, cancellationToken);
                }

                if (removed > 0)
                {
                    run.Lines[$"{StorageNames.RawContainer}/{blob.Name}@{etag}"] = lines;
                    run.QuarantineLines[QuarantineFolder(source.Name, blob.Name, etag)] = lines;
                    run.RawDrops.Add((blob, lines, DropReader.DetectFormat(blob.Name, source.Format) == SourceFormat.Parquet));
                }
            }
        }
    }

    /// <summary>
    /// Last: each drop that held the subject, rewritten without their lines if unchanged since it was read (a Parquet
    /// drop is deleted whole: its records stay in their versions). Until this ran, a rerun finds the same lines.
    /// </summary>
    private async Task RewriteRawAsync(Run run, CancellationToken cancellationToken)
    {
        var raw = storage.Container(StorageNames.RawContainer);
        foreach (var (blob, lines, parquet) in run.RawDrops)
        {
            if (parquet)
            {
                if (!run.DryRun)
                {
                    await DeleteWithHistoryAsync(raw, blob.Name, cancellationToken);
                }

                run.Add("raw", $"{StorageNames.RawContainer}/{blob.Name}", lines.Count, note: "a Parquet drop: deleted whole");
                continue;
            }

            var removed = blob.Name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? await FilterLinesAsync(raw, blob, run, write: !run.DryRun, (number, _) => lines.Contains(number), cancellationToken)
                : run.DryRun ? lines.Count : await CutLinesAsync(raw, blob, run.Id, lines, cancellationToken);
            run.Add("raw", $"{StorageNames.RawContainer}/{blob.Name}", removed);
        }
    }

    /// <summary>
    /// Rewrites an uncompressed drop without the given lines, byte for byte otherwise (line ends as they were): the runs
    /// of kept bytes between removed lines are copied in large writes, then uploaded in parallel blocks.
    /// </summary>
    private static async Task<long> CutLinesAsync(BlobContainerClient container, BlobItem blob, string erasure, HashSet<long> lines, CancellationToken cancellationToken)
    {
        var client = container.GetBlobClient(blob.Name);
        var etag = blob.Properties.ETag ?? (await client.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        var local = Path.Combine(Path.GetTempPath(), $"llmops-erase-{Guid.NewGuid():N}");
        long removed = 0;
        try
        {
            await using (var read = await client.OpenReadAsync(new BlobOpenReadOptions(false) { Conditions = new BlobRequestConditions { IfMatch = etag }, BufferSize = 8 << 20 }, cancellationToken))
            await using (var file = new FileStream(local, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                var buffer = new byte[4 << 20];
                long number = 1;
                var dropping = lines.Contains(1);
                int count;
                while ((count = await read.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    var keptFrom = 0;
                    var at = 0;
                    while (at < count)
                    {
                        var newline = buffer.AsSpan(at, count - at).IndexOf((byte)'\n');
                        var end = newline < 0 ? count : at + newline + 1;
                        if (dropping)
                        {
                            if (at > keptFrom)
                            {
                                await file.WriteAsync(buffer.AsMemory(keptFrom, at - keptFrom), cancellationToken);
                            }

                            keptFrom = end;
                        }

                        if (newline < 0)
                        {
                            break;
                        }

                        if (dropping)
                        {
                            removed++;
                        }

                        number++;
                        dropping = lines.Contains(number);
                        at = end;
                    }

                    if (count > keptFrom)
                    {
                        await file.WriteAsync(buffer.AsMemory(keptFrom, count - keptFrom), cancellationToken);
                    }
                }

                if (dropping && lines.Contains(number))
                {
                    removed++; // the last line, without a line break
                }
            }

            await using var rewritten = File.OpenRead(local);
            await client.UploadAsync(rewritten, new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfMatch = etag },
                Metadata = new Dictionary<string, string> { [MetadataKey] = Metadata(erasure) },
                HttpHeaders = new BlobHttpHeaders { ContentType = blob.Properties.ContentType },
                TransferOptions = new Azure.Storage.StorageTransferOptions { MaximumConcurrency = 4, InitialTransferSize = 8 << 20, MaximumTransferSize = 8 << 20 },
            }, cancellationToken);
            await DeleteSnapshotsAsync(container, blob.Name, cancellationToken);
            return removed;
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>The quarantine folder of one drop version (as <see cref="Ingestion.QuarantineWriter"/> names it).</summary>
    private static string QuarantineFolder(string source, string blobName, string etag) =>
        $"{source}/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(blobName)))[..16]}-{etag.Trim('"')}/";

    private static Dictionary<string, object?> Cells(string[] header, string line)
    {
        var cells = line.Split(',');
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length && i < cells.Length; i++)
        {
            fields[header[i].Trim('"')] = cells[i].Trim('"');
        }

        return fields;
    }

    private static string? IdOf(string line, string field, string[]? header)
    {
        if (header is not null)
        {
            var at = Array.IndexOf(header, field);
            var cells = line.Split(',');
            return at >= 0 && at < cells.Length ? cells[at].Trim('"') : null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty(field, out var id) ? id.ValueKind == JsonValueKind.String ? id.GetString() : id.GetRawText() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every catalogued dataset version, those ingested from raw drops first, then the derived ones (evaluation sets,
    /// review batches, labeled versions), which lose the records whose ids the first ones lost.
    /// </summary>
    private async Task EraseVersionsAsync(Run run, CancellationToken cancellationToken)
    {
        var manifests = new List<DatasetManifest>();
        await foreach (var manifest in _datasets.ListAsync(cancellationToken: cancellationToken))
        {
            manifests.Add(manifest);
        }

        foreach (var manifest in manifests.OrderBy(m => m.SourceBlob.StartsWith(StorageNames.RawContainer + "/", StringComparison.Ordinal) ? 0 : 1))
        {
            if (await _datasets.TombstoneAsync(manifest.Id, cancellationToken) is not null)
            {
                // Retired by an erasure stopped before it took the version out of the listing.
                if (!run.DryRun)
                {
                    await _datasets.UncatalogAsync(manifest, cancellationToken);
                }

                continue;
            }

            await EraseVersionAsync(run, manifest, cancellationToken);
        }
    }

    private async Task EraseVersionAsync(Run run, DatasetManifest manifest, CancellationToken cancellationToken)
    {
        var lines = run.Lines.GetValueOrDefault($"{manifest.SourceBlob}@{manifest.SourceETag}");
        var ids = run.Ids.GetValueOrDefault(manifest.Source);
        var derived = !manifest.SourceBlob.StartsWith(StorageNames.RawContainer + "/", StringComparison.Ordinal);
        var container = storage.Container(StorageNames.DatasetsContainer);
        var folder = DatasetManifest.FolderOf(manifest.Id);
        var work = Directory.CreateTempSubdirectory("llmops-erasure-");
        try
        {
            using var content = new DatasetContentHash();
            var parts = new List<SpooledPart>();
            var removedIds = new List<string>();
            long kept = 0, chunks = 0, tokens = 0, removedChunks = 0, removedTokens = 0;
            foreach (var part in manifest.Parts)
            {
                // One read to decide (and hash what stays, in order); a second, only for a part that loses records, to write it.
                var blob = container.GetBlobClient(folder + part.Name);
                var etag = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
                var erased = new HashSet<long>();
                long ordinal = 0, partKept = 0;
                await using (var source = await blob.OpenReadAsync(new BlobOpenReadOptions(false) { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken))
                await using (var gzip = new GZipStream(source, CompressionMode.Decompress))
                {
                    await foreach (var line in Utf8Lines(gzip, cancellationToken))
                    {
                        ordinal++;
                        var (id, number) = RecordKey(line.Span);
                        if ((lines?.Contains(number) ?? false) || (ids?.Contains(id) ?? false)
                            || (derived && (run.ErasedIds.Contains(id) || run.TraceIds.Contains(id)))
                            || run.Subject.MatchesUtf8(line.Span))
                        {
                            var record = JsonSerializer.Deserialize<DatasetRecord>(line.Span, JsonSerializerOptions.Web)!;
                            removedIds.Add(record.Id);
                            removedChunks += record.Chunks.Count;
                            removedTokens += record.Tokens;
                            erased.Add(ordinal);
                            continue;
                        }

                        content.AppendRecord(line.Span);
                        partKept++;
                    }
                }

                kept += partKept;
                if (erased.Count == 0)
                {
                    parts.Add(new SpooledPart(part.Name, part.Records, part.Sha256, part.Bytes, "", new StagedPart(blob.Uri, etag)));
                    continue;
                }

                if (partKept == 0 || run.DryRun)
                {
                    continue;
                }

                var local = Path.Combine(work.FullName, part.Name);
                await using (var source = await blob.OpenReadAsync(new BlobOpenReadOptions(false) { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken))
                await using (var gzip = new GZipStream(source, CompressionMode.Decompress))
                await using (var file = new FileStream(local, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await using (var output = new GZipStream(file, CompressionLevel.Fastest))
                {
                    ordinal = 0;
                    await foreach (var line in Utf8Lines(gzip, cancellationToken))
                    {
                        if (!erased.Contains(++ordinal))
                        {
                            await output.WriteAsync(line, cancellationToken);
                            output.WriteByte((byte)'\n');
                        }
                    }
                }

                await using var written = File.OpenRead(local);
                parts.Add(new SpooledPart(part.Name, partKept, Convert.ToHexStringLower(await SHA256.HashDataAsync(written, cancellationToken)), new FileInfo(local).Length, local, null));
            }

            if (removedIds.Count == 0)
            {
                return;
            }

            run.ErasedIds.UnionWith(removedIds);
            run.RemovedByVersion[manifest.Id] = [.. removedIds];
            if (run.DryRun)
            {
                run.Add("dataset", manifest.Id, removedIds.Count);
                return;
            }

            chunks = manifest.Chunks - removedChunks;
            tokens = manifest.Tokens - removedTokens;
            var draft = new VersionDraft(manifest.Feature, manifest.Source, manifest.PreprocessingVersion, manifest.Schema, manifest.SourceBlob, manifest.SourceETag)
            {
                Quality = manifest.Quality with { Accepted = kept, Read = manifest.Quality.Read - removedIds.Count },
                Pii = manifest.Pii,
                Languages = manifest.Languages,
                CreatedAt = manifest.CreatedAt.AddTicks(1),
            };
            var successor = (await new DatasetPublisher(storage, clock).PublishAsync(parts, content.Finish(), kept, chunks, tokens, draft, cancellationToken)).Manifest;
            await RecordSuccessorAsync(run, manifest.Id, successor.Id, manifest.Feature, cancellationToken);
            run.Retire.Add((StorageNames.DatasetsContainer, folder, new ErasureTombstone(manifest.Id, run.Id, run.At, removedIds.Count, successor.Id), [.. manifest.Parts.Select(p => p.Name)], () => _datasets.UncatalogAsync(manifest, cancellationToken)));
            run.Successors[manifest.Id] = successor.Id;
            run.Add("dataset", manifest.Id, removedIds.Count, successor.Id);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The record's id and line, read from the start of its canonical JSON (id, source, line come first).</summary>
    private static (string Id, long Line) RecordKey(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        string id = "";
        long line = -1;
        var depth = 0;
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (++depth > 1)
                {
                    break;
                }

                continue;
            }

            if (reader.TokenType != JsonTokenType.PropertyName || depth != 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("line"u8))
            {
                reader.Read();
                line = reader.GetInt64();
            }
            else if (id.Length > 0 && line >= 0)
            {
                break;
            }
            else
            {
                reader.Read();
                reader.TrySkip();
            }
        }

        return (id, line);
    }

    /// <summary>The <c>recordId</c> of an index chunk's line.</summary>
    private static string ChunkRecordId(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return AtTopLevel(ref reader, "recordId"u8) ? reader.GetString() ?? "" : "";
    }

    /// <summary>Moves <paramref name="reader"/> to the value of the top-level property <paramref name="name"/>; false when the object has none.</summary>
    private static bool AtTopLevel(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        var depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals(name):
                    reader.Read();
                    return true;
            }
        }

        return false;
    }

    private async Task RecordSuccessorAsync(Run run, string old, string successor, string feature, CancellationToken cancellationToken) =>
        await lineage.RecordAsync(
            new LineageEvent($"llmops.erasure/{feature}", LineageIds.StableRunId($"{run.Id}|{old}"), LineageRelation.ErasedFrom,
                [new LineageDataset(old)],
                [new LineageDataset(successor, new Dictionary<string, string> { ["erasure"] = run.Id, ["erased_from"] = old })]),
            cancellationToken);

    /// <summary>Writes the tombstone beside the manifest, then deletes the blobs (with their snapshots and, in Azure, their versions).</summary>
    private static async Task TombstoneAsync(BlobContainerClient container, string folder, ErasureTombstone tombstone, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        await container.GetBlobClient(folder + ErasureTombstone.FileName).UploadAsync(BinaryData.FromObjectAsJson(tombstone, Json), overwrite: true, cancellationToken);
        foreach (var name in names)
        {
            await DeleteWithHistoryAsync(container, folder + name, cancellationToken);
        }
    }

    /// <summary>Deletes a blob with its snapshots and every earlier version (Azure keeps versions when versioning is on; Azurite has none).</summary>
    internal static async Task DeleteWithHistoryAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
    {
        await container.GetBlobClient(name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        try
        {
            await foreach (var version in container.GetBlobsAsync(new GetBlobsOptions { Prefix = name, States = BlobStates.Version }, cancellationToken))
            {
                if (version.Name == name && version.VersionId is { } id)
                {
                    await container.GetBlobClient(name).WithVersion(id).DeleteIfExistsAsync(cancellationToken: cancellationToken);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 501)
        {
            // No versioning here (the emulator): nothing older to delete.
        }
    }

    /// <summary>The index versions of every version erasure replaced: shards without the removed records are copied, the others rebuilt from their stored vectors.</summary>
    private async Task EraseIndexesAsync(Run run, CancellationToken cancellationToken)
    {
        var rows = new List<EmbeddingIndexRow>();
        await foreach (var row in indexes.RowsAsync(cancellationToken: cancellationToken))
        {
            if (run.RemovedByVersion.ContainsKey(row.DatasetId))
            {
                rows.Add(row);
            }
        }

        foreach (var row in rows)
        {
            if (await indexes.GetAsync(row.IndexId, cancellationToken) is not { } index)
            {
                continue;
            }

            if (await indexes.Container.GetBlobClient(EmbeddingIndexManifest.FolderOf(index.Id) + ErasureTombstone.FileName).ExistsAsync(cancellationToken))
            {
                // Retired by an erasure stopped before it took the index out of the table.
                if (!run.DryRun)
                {
                    await indexes.UnindexAsync(index, cancellationToken);
                }

                continue;
            }

            var removed = run.RemovedByVersion[row.DatasetId];
            var folder = EmbeddingIndexManifest.FolderOf(index.Id);
            var successorDataset = run.Successors.GetValueOrDefault(row.DatasetId);
            var successorId = successorDataset is null ? null : EmbeddingIndexManifest.IdFor(successorDataset, index.Model, index.Dimensions);
            var shards = new List<IndexShard>();
            long vectors = 0, dropped = 0;
            foreach (var (shard, number) in index.Shards.Select((s, i) => (s, i)))
            {
                // The record id leads each chunk's line: only a shard that loses chunks is read whole.
                var metadata = (await indexes.Container.GetBlobClient(folder + shard.MetadataName).DownloadContentAsync(cancellationToken)).Value.Content;
                var kept = new List<ReadOnlyMemory<byte>>(shard.Vectors);
                var keep = new List<bool>(shard.Vectors);
                await using (var gzip = new GZipStream(metadata.ToStream(), CompressionMode.Decompress))
                {
                    await foreach (var line in Utf8Lines(gzip, cancellationToken))
                    {
                        var stays = !removed.Contains(ChunkRecordId(line.Span)) && !run.Subject.MatchesUtf8(line.Span);
                        keep.Add(stays);
                        if (stays)
                        {
                            kept.Add(line);
                        }
                    }
                }

                var gone = keep.Count - kept.Count;
                dropped += gone;
                if (run.DryRun || successorId is null)
                {
                    continue;
                }

                var target = EmbeddingIndexManifest.FolderOf(successorId);
                if (gone == 0)
                {
                    await CopyAsync(indexes.Container, folder + shard.Name, target + shard.Name, cancellationToken);
                    await CopyAsync(indexes.Container, folder + shard.MetadataName, target + shard.MetadataName, cancellationToken);
                    shards.Add(shard);
                    vectors += shard.Vectors;
                }
                else if (kept.Count > 0)
                {
                    // The vectors and metadata lines that stay, as they were: nothing is embedded or re-encoded.
                    var bytes = (await indexes.Container.GetBlobClient(folder + shard.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToMemory();
                    var (_, _, dimensions, all) = VectorShardFormat.Read(bytes.Span);
                    var stay = new float[kept.Count * dimensions];
                    for (int i = 0, at = 0; i < keep.Count; i++)
                    {
                        if (keep[i])
                        {
                            all.AsSpan(i * dimensions, dimensions).CopyTo(stay.AsSpan(at++ * dimensions));
                        }
                    }

                    shards.Add(await indexes.WriteShardAsync(successorId, number, index.Provider, index.Model, index.Dimensions, stay, kept, cancellationToken));
                    vectors += kept.Count;
                }
            }

            if (run.DryRun || successorId is null)
            {
                run.Add("index", index.Id, dropped);
                continue;
            }

            var successor = index with
            {
                Id = successorId, DatasetId = successorDataset!, Vectors = vectors, Shards = shards, Embedded = 0, Reused = vectors, ProviderRequests = 0, CreatedAt = index.CreatedAt.AddTicks(1),
            };
            await indexes.PublishAsync(successor, cancellationToken);
            await lineage.RecordAsync(
                new LineageEvent($"llmops.embed/{index.Source}", LineageIds.StableRunId("embed|" + successor.Id), LineageRelation.DerivedFrom,
                    [new LineageDataset(successor.DatasetId)],
                    [new LineageDataset(successor.Id, new Dictionary<string, string> { ["provider"] = successor.Provider, ["model"] = successor.Model, ["vectors"] = vectors.ToString(System.Globalization.CultureInfo.InvariantCulture) })]),
                cancellationToken);
            await RecordSuccessorAsync(run, index.Id, successor.Id, index.Feature, cancellationToken);
            if (mirror is not null && await mirror.SyncIfConfiguredAsync(successor, cancellationToken) is { Outcome: SearchMirrorOutcome.Mirrored } mirrored)
            {
                // The erased chunks leave Azure AI Search before the version that held them is retired.
                run.Add("search index", mirrored.SearchIndex, mirrored.Deleted, successor.Id);
            }
            run.Retire.Insert(0, (StorageNames.EmbeddingsContainer, folder, new ErasureTombstone(index.Id, run.Id, run.At, dropped, successor.Id), [.. index.Shards.SelectMany(s => new[] { s.Name, s.MetadataName })], () => indexes.UnindexAsync(index, cancellationToken)));
            run.ErasedIndexes.Add(index.Id);
            run.Add("index", index.Id, dropped, successor.Id);
        }
    }

    /// <summary>
    /// Each aliased or serving registry version built on an erased version (its upstream lineage) gets a successor: the
    /// same template or artifact, registered from a run that names the successor data (with the original run's params
    /// and metrics, measured before the erasure), linked <c>erased_from</c>; its aliases and deployments move to it
    /// through change control, so a protected alias or a deployment waits for the approvals its lifecycle asks for.
    /// </summary>
    private async Task MoveRegistryAsync(Run run, CancellationToken cancellationToken)
    {
        var erased = run.RemovedByVersion.Keys.Concat(run.ErasedIndexes).ToHashSet(StringComparer.Ordinal);
        if (erased.Count == 0)
        {
            return;
        }

        var items = new List<Registry.RegisteredItem>();
        await foreach (var item in registry.ListAsync(cancellationToken))
        {
            items.Add(item);
        }

        foreach (var item in items)
        {
            var targets = new SortedDictionary<int, (List<string> Aliases, List<string> Environments)>();
            (List<string> Aliases, List<string> Environments) At(int version) => targets.TryGetValue(version, out var t) ? t : targets[version] = ([], []);
            foreach (var alias in item.Aliases)
            {
                At(alias.Version).Aliases.Add(alias.Alias);
            }

            var environments = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var deployment in registry.ListDeploymentsAsync(item.Name, cancellationToken))
            {
                environments.Add(deployment.Environment);
            }

            foreach (var environment in environments)
            {
                if ((await registry.GetTrafficAsync(item.Name, environment, cancellationToken)).Stable is { } stable)
                {
                    At(stable.Version).Environments.Add(environment);
                }
            }

            foreach (var (number, (aliases, serving)) in targets)
            {
                var versionId = Registry.ModelRegistry.VersionId(item.Name, number);
                var upstream = await lineage.QueryAsync(versionId, LineageDirection.Upstream, LineageStore.MaxDepth, cancellationToken);
                if (!upstream.Nodes.Any(n => erased.Contains(n.Id)))
                {
                    continue;
                }

                if (run.DryRun || await registry.GetVersionAsync(item.Name, number, cancellationToken) is not { } old)
                {
                    run.Add("registry", versionId, 0, note: $"built on erased data: {string.Join(", ", aliases.Concat(serving))} would move to a successor");
                    continue;
                }

                var why = $"{run.Id}: {old.Id} was built on erased data";
                var successor = await SuccessorOfAsync(run, item, old, cancellationToken);
                await RecordSuccessorAsync(run, old.Id, successor.Id, item.Feature ?? "", cancellationToken);
                run.Add("registry", old.Id, 0, successor.Id);
                foreach (var alias in aliases)
                {
                    await MoveAsync(run, "alias", $"{item.Name}@{alias}", successor.Id, () => registry.MoveAliasAsync(item.Name, alias, successor.Version, why, cancellationToken));
                }

                foreach (var environment in serving)
                {
                    await MoveAsync(run, "deployment", $"{item.Name}@{environment}", successor.Id, () => registry.DeployAsync(item.Name, successor.Version, environment, null, why, cancellationToken));
                }
            }
        }
    }

    /// <summary>The registry version that replaces <paramref name="old"/>: the one an earlier (stopped) erasure registered, else a new one.</summary>
    private async Task<Registry.RegistryVersion> SuccessorOfAsync(Run run, Registry.RegisteredItem item, Registry.RegistryVersion old, CancellationToken cancellationToken)
    {
        await foreach (var version in registry.ListVersionsAsync(item.Name, cancellationToken))
        {
            if (version.Tags.GetValueOrDefault("erased_from") == old.Id)
            {
                return version;
            }
        }

        var details = await tracker.GetRunAsync(old.RunId, cancellationToken);
        var tags = new Dictionary<string, string>(details?.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["erased_from"] = old.Id, ["erasure"] = run.Id };
        var successorRun = await tracker.StartRunAsync(details?.Info.Experiment ?? item.Feature ?? "erasure", new Tracking.RunStart
        {
            Name = $"{old.Id} after {run.Id}",
            Params = details?.Params,
            Tags = tags,
            Inputs = details?.Inputs.Select(i => new Tracking.RunInput(run.Successors.GetValueOrDefault(i.DatasetId, i.DatasetId), i.Context)).ToList(),
        }, cancellationToken);
        if (details is not null && details.LatestMetrics.Count > 0)
        {
            await tracker.LogMetricsAsync(successorRun.Id, details.LatestMetrics.Values, cancellationToken);
        }

        await tracker.EndRunAsync(successorRun.Id, cancellationToken: cancellationToken);
        return await registry.RegisterAsync(
            new Registry.RegisterRequest(item.Name, successorRun.Id)
            {
                Template = old.Template, Artifact = old.Artifact, Description = old.Description, Feature = item.Feature,
                Tags = new Dictionary<string, string>(old.Tags, StringComparer.Ordinal) { ["erased_from"] = old.Id, ["erasure"] = run.Id },
            },
            cancellationToken);
    }

    private static async Task MoveAsync(Run run, string store, string name, string successor, Func<Task> move)
    {
        try
        {
            await move();
            run.Add(store, name, 0, successor);
        }
        catch (ApprovalRequiredException ex)
        {
            run.Add(store, name, 0, successor, $"waits for approval as {ex.Request.Id}");
        }
        catch (Errors.LlmOpsException ex) when (ex.Code is Errors.ErrorCode.Conflict or Errors.ErrorCode.Forbidden)
        {
            run.Add(store, name, 0, successor, $"not moved: {ex.Message}");
        }
    }

    private static async Task CopyAsync(BlobContainerClient container, string from, string to, CancellationToken cancellationToken)
    {
        var target = container.GetBlobClient(to);
        try
        {
            var copy = await target.StartCopyFromUriAsync(container.GetBlobClient(from).Uri, new BlobCopyFromUriOptions { DestinationConditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            await copy.WaitForCompletionAsync(cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Copied by an earlier run of this erasure.
        }
    }

    /// <summary>Rejected records of the subject (by their drop's line, or their value) and any other quarantined file's lines of them.</summary>
    private async Task EraseQuarantineAsync(Run run, CancellationToken cancellationToken)
    {
        var quarantine = storage.Container(StorageNames.QuarantineContainer);
        await foreach (var blob in quarantine.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (blob.Name.EndsWith("/report.json", StringComparison.Ordinal))
            {
                continue;
            }

            var folder = blob.Name[..(blob.Name.LastIndexOf('/') + 1)];
            var lines = run.QuarantineLines.GetValueOrDefault(folder);
            var removed = await FilterLinesAsync(quarantine, blob, run, (_, line) =>
                run.Subject.MatchesUtf8(line) || (lines is not null && LineOf(line) is { } number && lines.Contains(number)), cancellationToken);
            if (removed > 0)
            {
                run.Add("quarantine", $"{StorageNames.QuarantineContainer}/{blob.Name}", removed);
            }
        }
    }

    /// <summary>The top-level <c>line</c> of a JSON line (a quarantined record), or null.</summary>
    private static long? LineOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return AtTopLevel(ref reader, "line"u8) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Feedback files dropped under <c>feedback/</c>, and the analytics Parquet rows of the erased traces and their scores.</summary>
    private async Task EraseFeedbackFilesAsync(Run run, CancellationToken cancellationToken)
    {
        var drops = storage.Container(StorageNames.FeedbackContainer);
        await foreach (var blob in drops.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var removed = await FilterLinesAsync(drops, blob, run, (_, line) => run.Subject.MatchesUtf8(line) || (run.TraceIds.Count > 0 && MentionsAny(Encoding.UTF8.GetString(line), run.TraceIds, TraceProperties)), cancellationToken);
            if (removed > 0)
            {
                run.Add("feedback", $"{StorageNames.FeedbackContainer}/{blob.Name}", removed);
            }
        }

        var analytics = storage.Container(StorageNames.AnalyticsContainer);
        await foreach (var blob in analytics.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (!blob.Name.EndsWith(".parquet", StringComparison.Ordinal))
            {
                continue;
            }

            var traces = blob.Name.StartsWith(FeedbackPartitions.TracesFolder, StringComparison.Ordinal);
            var content = (await analytics.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)).Value.Content;
            int removed;
            byte[]? rewritten = null;
            if (traces)
            {
                var rows = (await ParquetSerializer.DeserializeAsync<TraceRecord>(content.ToStream(), cancellationToken: cancellationToken)).Data.ToList();
                var kept = rows.Where(r => !run.TraceIds.Contains(r.Id) && !(run.Subject.Field is null && (Holds(run.Subject, r.Input) || Holds(run.Subject, r.Output)))).ToList();
                removed = rows.Count - kept.Count;
                if (removed > 0 && kept.Count > 0)
                {
                    rewritten = await SerializeAsync(kept, cancellationToken);
                }
            }
            else
            {
                var rows = (await ParquetSerializer.DeserializeAsync<ScoreRecord>(content.ToStream(), cancellationToken: cancellationToken)).Data.ToList();
                var kept = rows.Where(r => !run.TraceIds.Contains(r.TraceId) && !(run.Subject.Field is null && (Holds(run.Subject, r.Comment) || Holds(run.Subject, r.Correction)))).ToList();
                removed = rows.Count - kept.Count;
                if (removed > 0 && kept.Count > 0)
                {
                    rewritten = await SerializeAsync(kept, cancellationToken);
                }
            }

            if (removed == 0)
            {
                continue;
            }

            if (!run.DryRun)
            {
                // A part is written once: the rows that stay go to a new part of the same day, then the old one goes.
                if (rewritten is not null)
                {
                    var folder = blob.Name[..(blob.Name.LastIndexOf('/') + 1)];
                    await analytics.GetBlobClient($"{folder}part-{Ulid.NewUlid(clock.GetUtcNow())}.parquet").UploadAsync(new BinaryData(rewritten), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
                }

                await DeleteWithHistoryAsync(analytics, blob.Name, cancellationToken);
            }

            run.Add(traces ? "trace_parts" : "score_parts", $"{StorageNames.AnalyticsContainer}/{blob.Name}", removed);
        }
    }

    private static async Task<byte[]> SerializeAsync<T>(IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, buffer, cancellationToken: cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// Label files: annotators' drops, task sets and gold files in <c>labels/</c>, and the stored label batches: every
    /// item of an erased record (its id where an item is named) and any line or element holding the subject.
    /// </summary>
    private async Task EraseLabelsAsync(Run run, CancellationToken cancellationToken)
    {
        var labels = storage.Container(StorageNames.LabelsContainer);
        await foreach (var blob in labels.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var removed = blob.Name.EndsWith(".json", StringComparison.Ordinal)
                ? await FilterJsonAsync(labels, blob, run, cancellationToken)
                : await FilterLinesAsync(labels, blob, run, (_, line) => run.Subject.MatchesUtf8(line) || (run.ErasedIds.Count > 0 && IsItemLine(Encoding.UTF8.GetString(line), run.ErasedIds)), cancellationToken);
            if (removed > 0)
            {
                run.Add("labels", $"{StorageNames.LabelsContainer}/{blob.Name}", removed);
            }
        }

        var datasets = storage.Container(StorageNames.DatasetsContainer);
        await foreach (var blob in datasets.GetBlobsAsync(new GetBlobsOptions { Prefix = "labels/" }, cancellationToken))
        {
            var removed = await FilterLinesAsync(datasets, blob, run, (_, line) => run.Subject.MatchesUtf8(line) || (run.ErasedIds.Count > 0 && IsItemLine(Encoding.UTF8.GetString(line), run.ErasedIds)), cancellationToken);
            if (removed > 0)
            {
                run.Add("labels", $"{StorageNames.DatasetsContainer}/{blob.Name}", removed);
            }
        }
    }

    /// <summary>Logged search queries that hold the subject (the query log feeds the retrieval drift signals).</summary>
    private async Task EraseSearchQueriesAsync(Run run, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.SearchQueriesTable);
        long removed = 0;
        await foreach (var row in table.QueryAsync<Embeddings.SearchQueryRow>(cancellationToken: cancellationToken))
        {
            if (!run.Subject.MatchesText(row.Query))
            {
                continue;
            }

            removed++;
            if (!run.DryRun)
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            }
        }

        run.Add("search_queries", StorageNames.SearchQueriesTable, removed);
    }

    /// <summary>A JSON line naming an erased item (<c>item</c> or <c>id</c>), or a CSV row whose first cell is one.</summary>
    private static bool IsItemLine(string line, HashSet<string> ids)
    {
        if (ids.Count == 0)
        {
            return false;
        }

        return line.TrimStart().StartsWith('{') ? MentionsAny(line, ids, ItemProperties) : ids.Contains(line.Split(',')[0].Trim('"'));
    }

    private static bool MentionsAny(string line, HashSet<string> ids, string[] properties)
    {
        if (ids.Count == 0 || !line.TrimStart().StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            foreach (var name in properties)
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && ids.Contains(value.GetString()!))
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>
    /// A JSON file (a task list, an annotator's tasks, a task set manifest, a Label Studio export): every array loses
    /// the elements that are an erased item's id, that name one (<c>item</c>, <c>id</c>, <c>data.item</c>), or that hold the subject.
    /// </summary>
    private static async Task<long> FilterJsonAsync(BlobContainerClient container, BlobItem blob, Run run, CancellationToken cancellationToken)
    {
        var client = container.GetBlobClient(blob.Name);
        var content = (await client.DownloadContentAsync(cancellationToken)).Value;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(content.Content.ToString());
        }
        catch (JsonException)
        {
            return 0;
        }

        long removed = 0;
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonArray array:
                    for (var i = array.Count - 1; i >= 0; i--)
                    {
                        if (Erased(array[i]))
                        {
                            array.RemoveAt(i);
                            removed++;
                        }
                        else
                        {
                            Walk(array[i]);
                        }
                    }

                    break;
                case JsonObject obj:
                    foreach (var (_, value) in obj.ToList())
                    {
                        Walk(value);
                    }

                    break;
            }
        }

        bool Erased(JsonNode? node) => node switch
        {
            JsonValue value when value.TryGetValue<string>(out var s) => run.ErasedIds.Contains(s) || run.Subject.MatchesText(s),
            JsonObject obj => Named(obj) || Named(obj["data"] as JsonObject) || run.Subject.MatchesLine(obj.ToJsonString()),
            _ => false,
        };

        bool Named(JsonObject? obj) =>
            obj is not null && ItemProperties.Any(p => obj[p] is JsonValue v && v.TryGetValue<string>(out var s) && run.ErasedIds.Contains(s));

        Walk(root);
        if (removed > 0 && !run.DryRun)
        {
            await client.UploadAsync(
                BinaryData.FromString(root!.ToJsonString(Json)),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = content.Details.ETag }, Metadata = new Dictionary<string, string> { [MetadataKey] = Metadata(run.Id) } },
                cancellationToken);
            await DeleteSnapshotsAsync(container, blob.Name, cancellationToken);
        }

        return removed;
    }

    /// <summary>
    /// Rewrites a line-oriented blob (gzip or not) without the lines <paramref name="erase"/> picks (numbered from 1, as
    /// the readers number them); the rewrite is conditional on the blob being unchanged since read and carries the
    /// erasure's id in its metadata. Returns the lines removed (all counted, nothing written, in a dry run).
    /// </summary>
    private static async Task<long> FilterLinesAsync(BlobContainerClient container, BlobItem blob, Run run, LinePredicate erase, CancellationToken cancellationToken) =>
        await FilterLinesAsync(container, blob, run, !run.DryRun, erase, cancellationToken);

    private static async Task<long> FilterLinesAsync(BlobContainerClient container, BlobItem blob, Run run, bool write, LinePredicate erase, CancellationToken cancellationToken)
    {
        var client = container.GetBlobClient(blob.Name);
        var gzipped = blob.Name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        var local = Path.Combine(Path.GetTempPath(), $"llmops-erase-{Guid.NewGuid():N}");
        long removed = 0, number = 0;
        try
        {
            // As listed: a blob written since is someone else's new content, read again by a later run.
            var etag = blob.Properties.ETag ?? (await client.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
            await using (var read = await client.OpenReadAsync(new BlobOpenReadOptions(false) { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken))
            await using (var file = write ? new FileStream(local, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous) : Stream.Null)
            {
                var input = gzipped ? new GZipStream(read, CompressionMode.Decompress, leaveOpen: true) : read;
                var output = gzipped && write ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : file;
                try
                {
                    await foreach (var line in Utf8Lines(input, cancellationToken))
                    {
                        number++;
                        if (erase(number, line.Span))
                        {
                            removed++;
                            continue;
                        }

                        if (write)
                        {
                            await output.WriteAsync(line, cancellationToken);
                            output.WriteByte((byte)'\n');
                        }
                    }
                }
                finally
                {
                    if (gzipped)
                    {
                        if (write)
                        {
                            await output.DisposeAsync();
                        }

                        await input.DisposeAsync();
                    }
                }
            }

            if (removed > 0 && write)
            {
                await using var rewritten = File.OpenRead(local);
                await client.UploadAsync(rewritten, new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfMatch = etag },
                    Metadata = new Dictionary<string, string> { [MetadataKey] = Metadata(run.Id) },
                    HttpHeaders = new BlobHttpHeaders { ContentType = blob.Properties.ContentType },
                }, cancellationToken);
                await DeleteSnapshotsAsync(container, blob.Name, cancellationToken);
            }

            return removed;
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>An erasure id as blob metadata (letters, digits and '_' only).</summary>
    private static string Metadata(string id) => id.Replace(':', '_');

    /// <summary>Deletes a blob's snapshots and earlier versions, keeping its current content.</summary>
    private static async Task DeleteSnapshotsAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
    {
        var current = container.GetBlobClient(name);
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = name, States = BlobStates.Snapshots }, cancellationToken))
            {
                if (item.Name == name && item.Snapshot is { } snapshot)
                {
                    await current.WithSnapshot(snapshot).DeleteIfExistsAsync(cancellationToken: cancellationToken);
                }
            }

            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = name, States = BlobStates.Version }, cancellationToken))
            {
                if (item.Name == name && item.VersionId is { } version && item.IsLatestVersion != true)
                {
                    await current.WithVersion(version).DeleteIfExistsAsync(cancellationToken: cancellationToken);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 501)
        {
            // No versioning here (the emulator).
        }
    }

    /// <summary>Lines of a stream as UTF-8 bytes without their line break (a trailing '\r' removed).</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Utf8Lines(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var pending = new ArrayBufferWriter<byte>(1 << 16);
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var span = buffer.AsMemory(0, read);
            while (span.Length > 0)
            {
                var newline = span.Span.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    pending.Write(span.Span);
                    break;
                }

                pending.Write(span.Span[..newline]);
                var line = pending.WrittenMemory;
                if (line.Length > 0 && line.Span[^1] == '\r')
                {
                    line = line[..^1];
                }

                yield return line.ToArray();
                pending.ResetWrittenCount();
                span = span[(newline + 1)..];
            }
        }

        if (pending.WrittenCount > 0)
        {
            yield return pending.WrittenMemory.ToArray();
        }
    }

    /// <summary>What one erasure has found so far.</summary>
    private sealed class Run(DataSubject subject, string id, bool dryRun, DateTimeOffset at)
    {
        public DataSubject Subject { get; } = subject;

        public string Id { get; } = id;

        public bool DryRun { get; } = dryRun;

        public DateTimeOffset At { get; } = at;

        /// <summary>Raw drop version (<c>raw/name@etag</c>) to the subject's line numbers in it.</summary>
        public Dictionary<string, HashSet<long>> Lines { get; } = new(StringComparer.Ordinal);

        /// <summary>Quarantine folder of a drop version to the subject's line numbers in that drop.</summary>
        public Dictionary<string, HashSet<long>> QuarantineLines { get; } = new(StringComparer.Ordinal);

        /// <summary>Source to the id-field values of the subject's raw records.</summary>
        public Dictionary<string, HashSet<string>> Ids { get; } = new(StringComparer.Ordinal);

        /// <summary>Every dataset record id removed from any version.</summary>
        public HashSet<string> ErasedIds { get; } = new(StringComparer.Ordinal);

        public HashSet<string> TraceIds { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, HashSet<string>> RemovedByVersion { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Successors { get; } = new(StringComparer.Ordinal);

        public HashSet<string> ErasedIndexes { get; } = new(StringComparer.Ordinal);

        public List<(string Partition, string Id)> TraceRows { get; } = [];

        /// <summary>Raw drops that hold the subject: the blob as listed, their lines, whether Parquet.</summary>
        public List<(BlobItem Blob, HashSet<long> Lines, bool Parquet)> RawDrops { get; } = [];

        /// <summary>Old versions to retire once everything that reads them is done: container, folder, tombstone, blobs, and what takes them out of listings.</summary>
        public List<(string Container, string Folder, ErasureTombstone Tombstone, IReadOnlyList<string> Names, Func<Task> Uncatalog)> Retire { get; } = [];

        public List<ErasureItem> Items { get; } = [];

        public void Add(string store, string name, long removed, string? successor = null, string? note = null)
        {
            if (removed > 0 || successor is not null || note is not null)
            {
                Items.Add(new ErasureItem(store, name, removed, successor, note));
            }
        }
    }
}
