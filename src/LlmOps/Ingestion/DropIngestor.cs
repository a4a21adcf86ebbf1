using System.Diagnostics;
using System.Text.Json;
using Azure;
using LlmOps.Datasets;
using LlmOps.Ingestion.Processing;
using LlmOps.Ingestion.Reading;
using LlmOps.Ingestion.Validation;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Governance;
using LlmOps.Storage;
using LlmOps.Telemetry;
using Microsoft.Extensions.Logging;

namespace LlmOps.Ingestion;

/// <summary>
/// ETL of one drop, end to end: read it as it streams, validate, clean, redact, dedup and chunk every record,
/// quarantine what fails (with rule, line and field), and publish an immutable dataset version unless the
/// quarantine rate passes the lifecycle's limit. Bad data never throws: only storage faults do, so the host retries.
/// </summary>
public sealed partial class DropIngestor(StorageAccount storage, LifecycleCatalog lifecycles, LineageStore lineage, ChangeControl governance, TimeProvider clock, ILogger<DropIngestor> logger, SuppressionList? suppressions = null)
{
    /// <summary>The metadata key of a drop erasure rewrote (its value: the erasure's id); such a blob is not ingested again.</summary>
    public const string ErasureMetadataKey = "llmops_erasure";

    private readonly SuppressionList _suppressions = suppressions ?? new SuppressionList(storage, new SubjectHasher(storage, Microsoft.Extensions.Options.Options.Create(new GovernanceOptions())));
    private readonly DatasetStore _datasets = new(storage);
    private readonly IngestionLog _ingestions = new(storage);
    private readonly DatasetPublisher _publisher = new(storage, clock);

    /// <summary>Runs after the version is written and catalogued, before its announcement: tests inject a crash here.</summary>
    internal Func<DatasetManifest, Task>? BeforeAnnounce { get; set; }

    /// <summary>Runs when the last record is spooled (and its parts staged): the benchmark times what follows.</summary>
    internal Action? AfterProcessing { get; set; }

    /// <summary>Off, parts stay local until the version is published (the benchmark's baseline for staging).</summary>
    internal bool StagesParts { get; set; } = true;

    /// <summary>Off, every record is processed on the calling thread (the benchmarks' single-thread figure).</summary>
    internal bool Pipelined { get; set; } = true;

    public Task<IngestionResult> IngestAsync(string source, string container, string name, ETag etag, CancellationToken cancellationToken) =>
        IngestAsync(source, container, name, etag, preprocessingOverride: null, cancellationToken);

    /// <summary>
    /// The ETL of a drop with <paramref name="preprocessingOverride"/> in place of the lifecycle's (when not null): an experiment
    /// compares chunkings this way without publishing a lifecycle. The preprocessing version, hence the dataset version,
    /// differs with the settings, so each variant is its own immutable version with its own lineage.
    /// </summary>
    public async Task<IngestionResult> IngestAsync(string source, string container, string name, ETag etag, PreprocessingSettings? preprocessingOverride, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        return await IngestAsync(source, await lifecycles.FindSourceAsync(source, cancellationToken), container, name, etag, preprocessingOverride, cancellationToken);
    }

    /// <summary>The ETL of a drop whose source the caller has already resolved (<c>found</c> null: no lifecycle declares it).</summary>
    internal async Task<IngestionResult> IngestAsync(string source, (LifecycleDefinition Lifecycle, SourceDefinition Source)? found, string container, string name, ETag etag, PreprocessingSettings? preprocessingOverride, CancellationToken cancellationToken, bool mayShard = false)
    {
        var feature = found?.Lifecycle.Feature;
        var caller = await governance.DemandAsync(Role.Contributor, feature, $"ingest {container}/{name}", cancellationToken);
        using var span = LlmOpsTelemetry.Ingestion.StartActivity("ingest " + source);
        span?.SetTag("llmops.source", source);
        span?.SetTag("llmops.blob", $"{container}/{name}");
        var result = await IngestCoreAsync(source, found, container, name, etag, preprocessingOverride, mayShard, cancellationToken);
        span?.SetTag("llmops.ingestion.status", result.Status.ToString());
        span?.SetTag("llmops.dataset.version", result.Version?.Id);
        await AuditAsync(caller, feature, container, name, result, cancellationToken);
        return result;
    }

    private async Task AuditAsync(Caller caller, string? feature, string container, string name, IngestionResult result, CancellationToken cancellationToken)
    {
        if (result.Status != IngestionStatus.Unchanged)
        {
            // A redelivered drop that changed nothing is not a change; every other outcome wrote a version or a quarantine.
            await governance.RecordAsync(
                new AuditRecord("dataset.ingest", $"{container}/{name}", feature, result.Status == IngestionStatus.Published ? null : $"{result.Status}: {result.Reason}", result.BlobETag, result.Version?.Id ?? result.QuarantineFolder),
                caller, cancellationToken);
        }
    }

    /// <summary>The erasure that rewrote this blob version, or null (also when the blob changed or went since the trigger).</summary>
    private static async Task<string?> ErasedAsync(Azure.Storage.Blobs.BlobClient blob, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await blob.GetPropertiesAsync(new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = etag }, cancellationToken);
            return properties.Value.Metadata.TryGetValue(ErasureMetadataKey, out var erasure) ? erasure : null;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    private async Task<IngestionResult> IngestCoreAsync(string source, (LifecycleDefinition Lifecycle, SourceDefinition Source)? found, string container, string name, ETag etag, PreprocessingSettings? preprocessingOverride, bool mayShard, CancellationToken cancellationToken)
    {
        var blob = storage.Container(container).GetBlobClient(name);
        var etagText = etag.ToString();
        await using var quarantine = new QuarantineWriter(storage, source, name, etagText);
        var counts = new IngestionCounts();

        if (found is not { } definition)
        {
            var reason = $"no lifecycle file in config/{StorageNames.LifecyclePrefix} declares the source '{source}'";
            // The report and the log need only the blob's names: there is no lifecycle to give.
            return await FinishWholeAsync(new DropRun(source, null!, null!, container, name, etagText), quarantine, IngestionStatus.UnknownSource, reason, counts, cancellationToken);
        }

        var (lifecycle, sourceDefinition) = definition;
        if (await ErasedAsync(blob, etag, cancellationToken) is { } erasure)
        {
            // Erasure rewrote this drop without a subject's lines and published the successor of its version itself: a
            // run here would make a version with other line numbers beside it.
            return new IngestionResult(IngestionStatus.Unchanged, source, name, etagText, counts, null, $"rewritten by {erasure}, which published its version", null);
        }

        if (preprocessingOverride is { } chunking)
        {
            if (chunking.ChunkTokens < PreprocessingSettings.MinChunkTokens || chunking.ChunkOverlap < 0 || chunking.ChunkOverlap >= chunking.ChunkTokens)
            {
                throw Errors.LlmOpsException.Invalid(
                    $"Chunking of {chunking.ChunkTokens} tokens with {chunking.ChunkOverlap} overlap: max_tokens is at least {PreprocessingSettings.MinChunkTokens} and overlap from 0 to less than max_tokens.");
            }

            lifecycle = lifecycle with { Preprocessing = chunking };
        }

        var run = new DropRun(source, lifecycle, sourceDefinition, container, name, etagText);
        string? note = null;
        if (mayShard && preprocessingOverride is null && await StartShardsAsync(run, blob, etag, why => note = why, cancellationToken) is { } sharded)
        {
            return sharded;
        }

        var previous = await PreviousRecordsAsync(sourceDefinition, cancellationToken);
        var processor = new RecordProcessor(lifecycle, sourceDefinition, previous) { Suppression = await _suppressions.LoadAsync(cancellationToken) };
        counts = processor.Counts;
        // Parts upload while the drop streams through, under a folder of this blob version's own (a retry writes over it).
        await using var spool = new DatasetSpool(StagesParts ? PartStaging.ForDrop(storage, container, name, etagText) : null);
        var etl = LlmOpsTelemetry.Ingestion.StartActivity("etl");
        var etlStarted = Stopwatch.GetTimestamp();
        long bytes = 0;
        try
        {
            ReadAheadStream content;
            try
            {
                // This blob version, read ahead of the parser so the network and the ETL overlap.
                content = new ReadAheadStream(await blob.OpenStreamAsync(etag, cancellationToken));
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // Deleted or overwritten since the trigger fired: the newer version has a trigger of its own.
                logger.LogInformation("Skipping {Blob} ({ETag}): it changed or went away before it was read", name, etagText);
                return new IngestionResult(IngestionStatus.Unchanged, source, name, etagText, counts, null, "the blob changed before it was read", null);
            }

            await using (content)
            {
                try
                {
                    var outcomes = DropReader.ReadAsync(content, name, sourceDefinition.Format, sourceDefinition.Limits, cancellationToken);
                    await (Pipelined ? processor.ProcessAsync(outcomes, StoreAsync, cancellationToken) : processor.ProcessInOrderAsync(outcomes, StoreAsync, cancellationToken));
                }
                finally
                {
                    bytes = content.BytesRead;
                }
            }
        }
        catch (UnreadableDropException ex)
        {
            etl.RecordError(ex);
            return await FinishWholeAsync(run, quarantine, IngestionStatus.Unreadable, ex.Message, counts, cancellationToken);
        }
        catch (Exception ex)
        {
            etl.RecordError(ex);
            throw;
        }
        finally
        {
            RecordEtl(etl, source, counts, bytes, Stopwatch.GetElapsedTime(etlStarted).TotalSeconds);
        }

        var contentSha = await spool.CompleteAsync(cancellationToken);
        AfterProcessing?.Invoke();
        return await PublishDropAsync(run, counts, spool.Parts, contentSha, quarantine, null, note, cancellationToken);

        async ValueTask StoreAsync(IReadOnlyList<(DatasetRecord? Record, QuarantinedRecord? Rejection)> results)
        {
            foreach (var (record, rejection) in results)
            {
                if (record is not null)
                {
                    await spool.AddAsync(record, cancellationToken);
                }
                else
                {
                    await quarantine.AddAsync(rejection!, cancellationToken);
                }
            }
        }
    }

    /// <summary>A drop's ingestion: which source and lifecycle, and which blob version (the same for every shard of it).</summary>
    private sealed record DropRun(string Source, LifecycleDefinition Lifecycle, SourceDefinition Definition, string Container, string Name, string ETag);

    /// <summary>
    /// After the ETL (whole, or the fan-in of shards): the quality gate, then publish, catalog, lineage and announce,
    /// each keyed by the version it produced, so a replay after a crash (or a failed send) finishes what is missing and
    /// skips what is done; the outcome goes to the ingestion log.
    /// </summary>
    private async Task<IngestionResult> PublishDropAsync(DropRun run, IngestionCounts counts, IReadOnlyList<SpooledPart> parts, string contentSha, QuarantineWriter quarantine, int? shards, string? note, CancellationToken cancellationToken)
    {
        var (source, lifecycle, sourceDefinition, container, name, etagText) = run;
        if (counts.QuarantineRate > lifecycle.Quality.MaxQuarantineRate || counts.Accepted == 0)
        {
            var reason = counts.Accepted == 0
                ? "no record was accepted"
                : $"quarantine rate {counts.QuarantineRate:P1} is above the lifecycle limit {lifecycle.Quality.MaxQuarantineRate:P1}";
            await quarantine.WriteAsync(Report(run, IngestionStatus.Rejected, reason, counts, shards), cancellationToken);
            return await RecordAsync(run, new IngestionResult(IngestionStatus.Rejected, source, name, etagText, counts, null, reason, quarantine.Folder), cancellationToken);
        }

        var preprocessing = PreprocessingVersion.For(sourceDefinition, lifecycle.Preprocessing, lifecycle.Quality);
        var draft = new VersionDraft(lifecycle.Feature, source, preprocessing, sourceDefinition.Schema, $"{container}/{name}", etagText)
        {
            Quality = new DatasetQuality(counts.Read, counts.Accepted, counts.Quarantined, counts.QuarantineRate, lifecycle.Quality.MaxQuarantineRate, counts.QuarantinedByRule),
            Pii = counts.Pii,
            Languages = counts.Languages,
        };
        DatasetManifest manifest;
        bool created;
        DatasetVersionEntry entry;
        using (var publish = LlmOpsTelemetry.Ingestion.StartActivity("publish"))
        {
            (manifest, created, entry) = await _publisher.PublishAsync(parts, contentSha, counts.Accepted, counts.Chunks, counts.Tokens, draft, cancellationToken);
            publish?.SetTag("llmops.dataset.version", manifest.Id);
            publish?.SetTag("llmops.dataset.created", created);
        }

        // Published by this blob version (now or in a run that crashed before it recorded so), or unchanged content.
        created |= manifest.SourceBlob == $"{container}/{name}" && manifest.SourceETag == etagText;
        if (quarantine.Count > 0 || note is not null)
        {
            await quarantine.WriteAsync(Report(run, created ? IngestionStatus.Published : IngestionStatus.Unchanged, note, counts, shards), cancellationToken);
        }

        using (LlmOpsTelemetry.Ingestion.StartActivity("lineage"))
        {
            await RecordLineageAsync(manifest, container, name, etagText, cancellationToken);
        }

        if (!entry.Announced)
        {
            using var announce = LlmOpsTelemetry.Ingestion.StartActivity("announce");
            if (BeforeAnnounce is { } fault)
            {
                await fault(manifest);
            }

            var queue = storage.Queue(StorageNames.DatasetVersionsQueue);
            var sent = await queue.SendMessageAsync(JsonSerializer.Serialize(
                new DatasetVersionAnnouncement(manifest.Id, manifest.Feature, source, entry.Manifest, manifest.Records, manifest.Chunks),
                JsonSerializerOptions.Web), cancellationToken);
            await _datasets.MarkAnnouncedAsync(entry, sent.Value.MessageId, clock.GetUtcNow(), cancellationToken);
        }

        logger.LogInformation("{Blob}: {Status} {Version} (read {Read}, accepted {Accepted} of which updated {Updated}, quarantined {Quarantined}{Shards})",
            name, created ? "published" : "unchanged", manifest.Id, counts.Read, counts.Accepted, counts.Updated, counts.Quarantined, shards is { } n ? $", {n} shards" : "");
        return await RecordAsync(run, new IngestionResult(
            created ? IngestionStatus.Published : IngestionStatus.Unchanged, run.Source, name, etagText, counts, manifest, note, quarantine.Count > 0 || note is not null ? quarantine.Folder : null), cancellationToken);
    }

    /// <summary>The drop's quarantine report: its outcome, counts and (sharded) how many shards it was cut into.</summary>
    private object Report(DropRun run, IngestionStatus status, string? reason, IngestionCounts counts, int? shards) => new
    {
        Status = status.ToString(),
        run.Source,
        Blob = $"{run.Container}/{run.Name}",
        run.ETag,
        Reason = reason,
        counts.Read,
        counts.Accepted,
        counts.Quarantined,
        counts.QuarantinedByRule,
        Shards = shards,
        At = clock.GetUtcNow(),
    };

    /// <summary>A drop that ends without records (unknown source, unreadable, a failed shard): its report, and the log.</summary>
    private async Task<IngestionResult> FinishWholeAsync(DropRun run, QuarantineWriter quarantine, IngestionStatus status, string reason, IngestionCounts seen, CancellationToken cancellationToken, int? shards = null)
    {
        logger.LogWarning("{Blob} quarantined whole: {Reason}", run.Name, reason);
        await quarantine.WriteAsync(Report(run, status, reason, seen, shards), cancellationToken);
        return await RecordAsync(run, new IngestionResult(status, run.Source, run.Name, run.ETag, new IngestionCounts(), null, reason, quarantine.Folder), cancellationToken);
    }

    private async Task<IngestionResult> RecordAsync(DropRun run, IngestionResult result, CancellationToken cancellationToken)
    {
        var (partitionKey, rowKey) = IngestionLog.KeyOf(run.Source, run.Name, run.ETag);
        await _ingestions.RecordAsync(
            new IngestionRecord
            {
                PartitionKey = partitionKey,
                RowKey = rowKey,
                BlobName = run.Name,
                BlobETag = run.ETag,
                Status = result.Status.ToString(),
                VersionId = result.Version?.Id,
                Read = result.Counts.Read,
                Accepted = result.Counts.Accepted,
                Quarantined = result.Counts.Quarantined,
                Reason = result.Reason,
                QuarantinedByRule = JsonSerializer.Serialize(result.Counts.QuarantinedByRule),
                Pii = JsonSerializer.Serialize(result.Counts.Pii),
                QuarantineFolder = result.QuarantineFolder,
                IngestedAt = clock.GetUtcNow(),
            },
            cancellationToken);
        return result;
    }

    /// <summary>Ends the ETL step's span with its counts, and adds them to the ETL metrics.</summary>
    private static void RecordEtl(Activity? span, string source, IngestionCounts counts, long bytes, double seconds)
    {
        if (span is not null)
        {
            span.SetTag("llmops.records.read", counts.Read);
            span.SetTag("llmops.records.accepted", counts.Accepted);
            span.SetTag("llmops.records.quarantined", counts.Quarantined);
            span.SetTag("llmops.chunks", counts.Chunks);
            span.SetTag("llmops.bytes", bytes);
            span.Dispose();
        }

        var sourceTag = new KeyValuePair<string, object?>("llmops.source", source);
        LlmOpsTelemetry.EtlRecords.Add(counts.Accepted, sourceTag, new("llmops.status", "accepted"));
        LlmOpsTelemetry.EtlRecords.Add(counts.Quarantined, sourceTag, new("llmops.status", "quarantined"));
        LlmOpsTelemetry.EtlBytes.Add(bytes, sourceTag);
        if (seconds > 0 && bytes > 0)
        {
            LlmOpsTelemetry.EtlThroughput.Record(bytes / seconds, sourceTag);
        }
    }

    /// <summary>source blob (etag) -> preprocessing version -> dataset version, as one ETL run per blob version.</summary>
    private async Task RecordLineageAsync(DatasetManifest manifest, string container, string name, string etag, CancellationToken cancellationToken)
    {
        var job = $"llmops.etl/{manifest.Source}";
        var blobId = LineageIds.Blob(container, name, etag);
        var runId = LineageIds.StableRunId($"{job}|{blobId}");
        var runFacets = new Dictionary<string, string> { ["codeVersion"] = PreprocessingVersion.CodeVersion, ["feature"] = manifest.Feature };
        var blobNode = new LineageDataset(blobId, new Dictionary<string, string> { ["container"] = container, ["name"] = name, ["etag"] = etag });
        var prepNode = new LineageDataset(manifest.PreprocessingVersion);
        var datasetNode = new LineageDataset(manifest.Id, new Dictionary<string, string>
        {
            ["feature"] = manifest.Feature,
            ["records"] = manifest.Records.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["chunks"] = manifest.Chunks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["manifest"] = DatasetManifest.FolderOf(manifest.Id) + "manifest.json",
        });
        await lineage.RecordAsync(new LineageEvent(job, runId, LineageRelation.Used, [blobNode], [prepNode], runFacets), cancellationToken);
        await lineage.RecordAsync(new LineageEvent(job, runId, LineageRelation.ProducedBy, [prepNode], [datasetNode], runFacets), cancellationToken);
    }

    private async Task<Dictionary<string, string>?> PreviousRecordsAsync(SourceDefinition source, CancellationToken cancellationToken)
    {
        if (source.IdField is null || await _datasets.LatestAsync(source.Name, cancellationToken) is not { } latest)
        {
            return null;
        }

        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var record in _datasets.ReadRecordsAsync(latest, cancellationToken))
        {
            previous[record.Id] = DatasetRecord.Fingerprint(record);
        }

        return previous;
    }
}
