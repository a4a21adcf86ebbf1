using System.Globalization;
using System.Text.Json;
using Azure;
using LlmOps.Datasets;
using LlmOps.Errors;
using LlmOps.Ingestion;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Governance;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.Labeling;

/// <summary>
/// Labeling QA over storage: imports a label file dropped under <c>labels/{project}/</c> as a batch (rejected answers
/// to <c>quarantine/labels/{project}/</c> with reasons), then evaluates every batch of the project with its gold answers
/// (<c>labels/{gold source}</c>) and adjudications, and writes the report as JSON and HTML under
/// <c>reports/labeling/{project}/{time}/</c> and as the project's <c>latest.json</c> / <c>latest.html</c>.
/// </summary>
public sealed class LabelQualityCheck(StorageAccount storage, LifecycleCatalog lifecycles, LineageStore lineage, ChangeControl governance, TimeProvider clock, ILogger<LabelQualityCheck> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>How many bootstrap resamples give alpha's interval in a report.</summary>
    public int BootstrapResamples { get; init; } = 1000;

    public LabelBatchStore Batches { get; } = new(storage);

    public AdjudicationStore Adjudications { get; } = new(storage);

    public LabelTaskSets TaskSets { get; } = new(storage, lineage, clock);

    /// <summary>The report's folder under the reports container: <c>labeling/{project}/</c>.</summary>
    public static string FolderOf(string project) => $"labeling/{project}/";

    /// <summary>The project named <paramref name="project"/> in any published lifecycle.</summary>
    public async Task<LabelingProject> ProjectAsync(string project, CancellationToken cancellationToken) =>
        (await FindAsync(project, cancellationToken)).Project;

    /// <summary>The project and the lifecycle that declares it.</summary>
    private async Task<(LifecycleDefinition Lifecycle, LabelingProject Project)> FindAsync(string project, CancellationToken cancellationToken)
    {
        foreach (var lifecycle in await lifecycles.ListAsync(cancellationToken))
        {
            if (lifecycle.LabelingProject(project) is { } found)
            {
                return (lifecycle, found);
            }
        }

        throw LlmOpsException.NotFound($"No published lifecycle declares the labeling project '{project}' (labeling.projects in a lifecycle file; llmops lifecycle publish FILE).");
    }

    /// <summary>
    /// Handles a file under <c>labels/{project}/</c>: the project's gold file re-runs the QA, any other is imported as a
    /// label batch first (against the items of the project's task sets, when it has any); the task sets' own files are
    /// left alone (null). An unknown project or an unreadable file is reported in quarantine and thrown as invalid.
    /// </summary>
    public async Task<LabelingReport?> ImportAsync(string container, string name, ETag etag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        var projectName = name.Split('/')[0];
        if (name.StartsWith(LabelTaskSets.FolderOf(projectName), StringComparison.Ordinal))
        {
            return null;
        }

        await using var quarantine = new QuarantineWriter(storage, $"labels/{projectName}", name, etag.ToString());
        LifecycleDefinition lifecycle;
        LabelingProject project;
        try
        {
            (lifecycle, project) = await FindAsync(projectName, cancellationToken);
        }
        catch (LlmOpsException ex) when (ex.Code == ErrorCode.NotFound)
        {
            await quarantine.WriteAsync(new { blob = $"{container}/{name}", etag = etag.ToString(), status = "unknown_project", reason = ex.Message }, cancellationToken);
            throw LlmOpsException.Invalid(ex.Message, ex);
        }

        if (name == project.GoldSource)
        {
            return await RunAsync(project, cancellationToken);
        }

        var sets = await TaskSets.ListAsync(project.Name, cancellationToken);
        LabelImport import;
        try
        {
            await using var content = await storage.Container(container).GetBlobClient(name).OpenStreamAsync(etag, cancellationToken);
            var known = sets.Count == 0 ? null : sets.SelectMany(s => s.Items).ToHashSet(StringComparer.Ordinal);
            import = Redacted(await LabelImporter.ReadAsync(content, name, project, known, cancellationToken), lifecycle, project);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Deleted or overwritten since the trigger fired: the newer version has a trigger of its own.
            logger.LogInformation("Skipping {Blob} ({ETag}): it changed or went away before it was read", name, etag);
            return null;
        }
        catch (Exception ex) when (ex is LlmOpsException { Code: ErrorCode.Invalid } or Ingestion.Reading.UnreadableDropException)
        {
            await quarantine.WriteAsync(new { blob = $"{container}/{name}", etag = etag.ToString(), status = "unreadable", reason = ex.Message }, cancellationToken);
            throw LlmOpsException.Invalid(ex.Message, ex);
        }

        foreach (var rejected in import.Quarantined)
        {
            await quarantine.AddAsync(rejected, cancellationToken);
        }

        var now = clock.GetUtcNow();
        var batch = await Batches.SaveAsync(project.Name, $"{container}/{name}", etag.ToString(), import, now, cancellationToken);
        if (import.Quarantined.Count > 0)
        {
            await quarantine.WriteAsync(new { blob = $"{container}/{name}", etag = etag.ToString(), status = "imported", batch = batch.BatchId, accepted = import.Accepted.Count, quarantined = import.Quarantined.Count, cancelled = import.Cancelled, byRule = import.Quarantined.GroupBy(q => q.Rule).ToDictionary(g => g.Key, g => g.Count()) }, cancellationToken);
        }

        var blobNode = LineageIds.Blob(container, name, etag.ToString());
        var labeled = import.Accepted.Select(a => a.Item).ToHashSet(StringComparer.Ordinal);
        var fromSets = sets.Where(s => s.Items.Any(labeled.Contains)).Select(s => new LineageDataset(s.Node));
        await lineage.RecordAsync(
            new LineageEvent($"llmops.labels/{project.Name}", LineageIds.StableRunId(blobNode), LineageRelation.DerivedFrom,
                [new LineageDataset(blobNode), .. fromSets],
                [new LineageDataset(BatchNode(project.Name, batch.BatchId), new Dictionary<string, string> { ["accepted"] = import.Accepted.Count.ToString(CultureInfo.InvariantCulture), ["quarantined"] = import.Quarantined.Count.ToString(CultureInfo.InvariantCulture) })]),
            cancellationToken);
        logger.LogInformation("Imported {Accepted} label(s) of {Project} from {Blob} as batch {Batch} ({Quarantined} quarantined, {Cancelled} cancelled)",
            import.Accepted.Count, project.Name, name, batch.BatchId, import.Quarantined.Count, import.Cancelled);
        return await RunAsync(project, cancellationToken);
    }

    /// <summary>
    /// Free-text answers (corrections) and every rejected value through the feature's PII redaction, as the ETL redacts
    /// records: label files are an ingestion path too, and neither batches nor quarantine keep personal data.
    /// </summary>
    private static LabelImport Redacted(LabelImport import, LifecycleDefinition lifecycle, LabelingProject project)
    {
        var settings = lifecycle.Preprocessing;
        if (!settings.Redact)
        {
            return import;
        }

        var redactor = new Ingestion.Transform.PiiRedactor(settings.PiiTypes, settings.CustomPii);
        var counts = new Dictionary<string, long>();
        var text = project.Fields.Where(f => f.Kind == LabelFieldKind.Text).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return import with
        {
            Accepted = [.. import.Accepted.Select(a => text.Contains(a.Field) ? a with { Values = [.. a.Values.Select(v => redactor.Redact(v, counts))] } : a)],
            Quarantined = [.. import.Quarantined.Select(q => q with
            {
                Reason = redactor.Redact(q.Reason, counts),
                Fields = q.Fields?.ToDictionary(f => f.Key, f => f.Value is string v ? (object?)redactor.Redact(v, counts) : f.Value, StringComparer.Ordinal),
            })],
        };
    }

    /// <summary>Records a reviewer's decision after checking the field and value against the project; the next report applies it.</summary>
    public async Task AdjudicateAsync(string projectName, Adjudication decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var project = await ProjectAsync(projectName, cancellationToken);
        var field = project.Field(decision.Field)
            ?? throw LlmOpsException.Invalid($"'{decision.Field}' is not a field of {project.Name}: {string.Join(", ", project.Fields.Select(f => f.Name))}.");
        if (LabelImporter.ValueProblem(field, decision.Values) is { } problem)
        {
            throw LlmOpsException.Invalid($"Not an answer of {decision.Field}: {problem}.");
        }

        var (lifecycle, _) = await FindAsync(project.Name, cancellationToken);
        var caller = await governance.DemandAsync(Role.Labeler, lifecycle.Feature, $"adjudicate labels of {project.Name}", cancellationToken);
        decision = decision with { By = caller.Id };
        await Adjudications.RecordAsync(project.Name, decision, cancellationToken);
        await governance.RecordAsync(
            new AuditRecord("labels.adjudicate", $"labels:{project.Name}/{decision.Item}/{decision.Field}", lifecycle.Feature, decision.Reason, After: string.Join("|", decision.Values)), caller, cancellationToken);
    }

    /// <summary>The lineage node of a label batch: <c>labels:{project}@{batch}</c>.</summary>
    public static string BatchNode(string project, string batchId) => $"labels:{project}@{batchId}";

    /// <summary>Evaluates every batch of the project and writes the report.</summary>
    public async Task<LabelingReport> RunAsync(string project, CancellationToken cancellationToken) => await RunAsync(await ProjectAsync(project, cancellationToken), cancellationToken);

    private async Task<LabelingReport> RunAsync(LabelingProject project, CancellationToken cancellationToken)
    {
        var report = await EvaluateAsync(project, cancellationToken);
        var folder = FolderOf(project.Name);
        var stamped = $"{folder}{report.At.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}/";
        var reports = storage.Container(StorageNames.ReportsContainer);
        var json = BinaryData.FromObjectAsJson(report, Json);
        var html = BinaryData.FromString(LabelingReportPage.Render(report));
        await reports.GetBlobClient(stamped + "report.json").UploadAsync(json, overwrite: true, cancellationToken);
        await reports.GetBlobClient(stamped + "report.html").UploadAsync(html, overwrite: true, cancellationToken);
        await reports.GetBlobClient(folder + "latest.json").UploadAsync(json, overwrite: true, cancellationToken);
        await reports.GetBlobClient(folder + "latest.html").UploadAsync(html, overwrite: true, cancellationToken);
        return report;
    }

    /// <summary>The QA of the project as it stands; nothing is written.</summary>
    public async Task<LabelingReport> EvaluateAsync(LabelingProject project, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        var answers = await Batches.ReadAnswersAsync(project.Name, cancellationToken).ToListAsync(cancellationToken);
        var gold = await LabelImporter.ReadGoldAsync(storage, project, cancellationToken);
        if (gold.Quarantined.Count > 0)
        {
            logger.LogWarning("{Count} gold answer(s) of {Project} do not fit its schema and are ignored; first: {Reason}", gold.Quarantined.Count, project.Name, gold.Quarantined[0].Reason);
        }

        var decisions = await Adjudications.ListAsync(project.Name, cancellationToken);
        return LabelQualityEvaluator.Evaluate(project, answers, gold.Accepted, decisions, clock.GetUtcNow(), BootstrapResamples);
    }

    /// <summary>The dataset source name of a project's labeled versions: <c>labels-{project}</c>.</summary>
    public static string LabeledSource(string project) => $"labels-{project}";

    /// <summary>
    /// Publishes the project's consensus, with adjudications, as a labeled dataset version (content-hashed, write-once,
    /// catalogued like every version; each record's id is the item, its fields the label fields, its text the item's text
    /// from the project's dataset where there is one), linked in lineage from every label batch. Refused (gate refused)
    /// with the report's reasons when the QA does not allow it.
    /// </summary>
    public async Task<(DatasetManifest Manifest, LabelingReport Report)> PublishAsync(string projectName, CancellationToken cancellationToken)
    {
        var (lifecycle, project) = await FindAsync(projectName, cancellationToken);
        var caller = await governance.DemandAsync(Role.Labeler, lifecycle.Feature, $"publish the labels of {project.Name}", cancellationToken);
        var report = await EvaluateAsync(project, cancellationToken);
        if (!report.Publishable)
        {
            throw new LlmOpsException(ErrorCode.GateRefused, $"The labels of '{project.Name}' are not publishable:" + string.Concat(report.Reasons.Select(r => Environment.NewLine + "  - " + r)));
        }

        // Each item's text from the latest version of the project's dataset, when it has one.
        var datasets = new DatasetStore(storage);
        var texts = project.Dataset is not null && await datasets.LatestAsync(project.Dataset, cancellationToken) is { } latest
            ? await datasets.ReadTextsAsync(latest, report.Consensus.Select(c => c.Item).ToHashSet(StringComparer.Ordinal), cancellationToken)
            : [];
        var source = LabeledSource(project.Name);
        var records = new List<Datasets.DatasetRecord>();
        long line = 0;
        foreach (var item in report.Consensus.GroupBy(c => c.Item, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var value in item)
            {
                var field = project.Field(value.Field)!;
                fields[value.Field] = value.Values is null ? null
                    : field.Kind == LabelFieldKind.MultiLabel ? JsonSerializer.Serialize(value.Values)
                    : field.Kind == LabelFieldKind.Numeric ? double.Parse(value.Values[0], CultureInfo.InvariantCulture)
                    : value.Values[0];
                fields[value.Field + "_confidence"] = Math.Round(value.Confidence, 6);
                fields[value.Field + "_adjudicated"] = value.Adjudicated;
            }

            var text = texts.GetValueOrDefault(item.Key, "");
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields) + "\n" + text)))[..32];
            records.Add(new Datasets.DatasetRecord(item.Key, source, ++line, fields, text, hash, "", text.Length, 0, []));
        }

        var schema = project.Fields.SelectMany(f => new[]
        {
            new FieldDefinition(f.Name, f.Kind == LabelFieldKind.Numeric ? FieldType.Number : FieldType.Text, false, null),
            new FieldDefinition(f.Name + "_confidence", FieldType.Number, true, null),
            new FieldDefinition(f.Name + "_adjudicated", FieldType.Boolean, true, null),
        }).ToList();
        var preprocessing = $"labeling:{project.Name}/{SnakeCase.Of(project.Consensus)}";
        var batches = await Batches.ListAsync(project.Name, cancellationToken);
        var draft = new VersionDraft(lifecycle.Feature, source, preprocessing, schema, $"{StorageNames.ReportsContainer}/{FolderOf(project.Name)}", string.Join(",", batches.Select(b => b.BatchId)))
        {
            Quality = new DatasetQuality(report.Items, line, 0, 0, 0, new Dictionary<string, long>()),
        };
        var manifest = (await new DatasetPublisher(storage, clock).PublishAsync(records, draft, cancellationToken)).Manifest;
        await lineage.RecordAsync(
            new LineageEvent($"llmops.labels/{project.Name}", LineageIds.StableRunId(manifest.Id), LineageRelation.DerivedFrom,
                [.. batches.Select(b => new LineageDataset(BatchNode(project.Name, b.BatchId)))],
                [new LineageDataset(manifest.Id, new Dictionary<string, string> { ["labeled"] = "true", ["items"] = line.ToString(CultureInfo.InvariantCulture), ["adjudicated"] = report.Consensus.Count(c => c.Adjudicated).ToString(CultureInfo.InvariantCulture) })]),
            cancellationToken);
        logger.LogInformation("Published {Items} labeled item(s) of {Project} as {Version}", line, project.Name, manifest.Id);
        await governance.RecordAsync(new AuditRecord("labels.publish", $"labels:{project.Name}", lifecycle.Feature, null, manifest.SourceETag, manifest.Id), caller, cancellationToken);
        return (manifest, report);
    }

    /// <summary>The latest report of a project, or a not-found error that says how to make one.</summary>
    public async Task<BinaryData> RequireLatestAsync(string project, bool html, CancellationToken cancellationToken) =>
        await LatestAsync(project, html, cancellationToken)
        ?? throw LlmOpsException.NotFound($"Labeling project '{project}' has no QA report yet: drop label files under labels/{project}/ or run llmops label report {project}.");

    /// <summary>The latest report of a project, or null when it has none yet.</summary>
    public async Task<BinaryData?> LatestAsync(string project, bool html, CancellationToken cancellationToken)
    {
        try
        {
            var blob = storage.Container(StorageNames.ReportsContainer).GetBlobClient(FolderOf(project) + (html ? "latest.html" : "latest.json"));
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }
}
