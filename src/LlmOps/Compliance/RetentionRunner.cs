using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Evaluation;
using LlmOps.Feedback;
using LlmOps.Labeling;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Notifications;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using LlmOps.Governance;
using LlmOps.Ingestion;

namespace LlmOps.Compliance;

/// <summary>
/// The Retention timer (and <c>llmops retention run</c>): applies each feature's lifecycle <c>retention</c> (a kind it
/// leaves out is kept for the <see cref="RetentionOptions"/> ceiling) to raw drops, quarantine, traces with their scores
/// and Parquet parts, feedback drops, reports and labeling task sets. It never deletes what a serving deployment, an
/// alias or a legal hold was derived from (the upstream lineage of each, and the gate reports that let a version
/// through), nor anything of a feature under a <c>feature:</c> hold; a blob changed since it was listed is left for the
/// next run. Writes a report, one audit entry and a <c>retention_run</c> event per feature that lost data.
/// </summary>
public sealed class RetentionRunner(
    StorageAccount storage,
    LifecycleCatalog lifecycles,
    ModelRegistry registry,
    LineageStore lineage,
    LegalHoldStore holds,
    FeedbackStore feedback,
    NotificationOutbox notifications,
    ChangeControl governance,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionRunner>? logger = null) : ITimerTriggerHandler
{
    public const string Raw = "raw";
    public const string Quarantine = "quarantine";
    public const string Traces = "traces";
    public const string TraceParts = "trace_parts";
    public const string ScoreParts = "score_parts";
    public const string Feedback = "feedback";
    public const string Reports = "reports";
    public const string TaskSets = "task_sets";

    /// <summary>How many deleted names a result lists (the count is always whole).</summary>
    public const int ListedItems = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };
    private readonly ILogger _logger = logger ?? NullLogger<RetentionRunner>.Instance;

    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var report = await RunAsync(dryRun: false, cancellationToken);
        _logger.LogInformation("Retention {Id}: deleted {Deleted} item(s), kept {Kept} protected", report.Id, report.Deleted, report.Kept);
    }

    /// <summary>Applies every feature's retention now (a dry run deletes nothing and stores no report; it says what would go).</summary>
    public async Task<RetentionReport> RunAsync(bool dryRun, CancellationToken cancellationToken = default)
    {
        var caller = dryRun ? governance.Caller : await governance.DemandAsync(Role.Admin, null, "apply retention (deletes expired data)", cancellationToken);
        var now = clock.GetUtcNow();
        var (protectedIds, heldFeatures, warnings) = await ProtectedAsync(cancellationToken);
        var ceiling = options.Value;
        var results = new List<RetentionResult>();
        var all = await lifecycles.ListAsync(cancellationToken);
        foreach (var lifecycle in all.OrderBy(l => l.Feature, StringComparer.Ordinal))
        {
            if (heldFeatures.Contains(lifecycle.Feature))
            {
                continue;
            }

            var feature = lifecycle.Feature;
            var rules = lifecycle.Retention;
            Warn(warnings, feature, "raw_days", rules.RawDays, ceiling.RawDays);
            Warn(warnings, feature, "quarantine_days", rules.QuarantineDays, ceiling.QuarantineDays);
            Warn(warnings, feature, "traces_days", rules.TracesDays, ceiling.TracesDays);
            Warn(warnings, feature, "feedback_days", rules.FeedbackDays, ceiling.FeedbackDays);

            var raw = rules.RawDays ?? ceiling.RawDays;
            results.Add(await ExpireBlobsAsync(
                feature, Raw, raw, now, StorageNames.RawContainer, lifecycle.Sources.Select(s => s.Path["raw/".Length..]).ToList(),
                blob => protectedIds.Contains(LineageIds.Blob(StorageNames.RawContainer, blob.Name, blob.Properties.ETag?.ToString() ?? "")), dryRun, cancellationToken));

            var quarantine = rules.QuarantineDays ?? ceiling.QuarantineDays;
            results.Add(await ExpireBlobsAsync(
                feature, Quarantine, quarantine, now, StorageNames.QuarantineContainer, [.. lifecycle.Sources.Select(s => s.Name + "/"), $"feedback/{feature}/"], _ => false, dryRun, cancellationToken));

            var traces = rules.TracesDays ?? ceiling.TracesDays;
            var traceCutoff = now.AddDays(-traces);
            var (expiredTraces, expiredScores) = await feedback.ExpireTracesAsync(feature, traceCutoff, dryRun, cancellationToken);
            results.Add(new RetentionResult(feature, Traces, traces, traceCutoff, expiredTraces + expiredScores, 0, 0, []));
            results.Add(await ExpirePartsAsync(feature, TraceParts, traces, now, $"{FeedbackPartitions.TracesFolder}feature={feature}/", dryRun, cancellationToken));

            var drops = rules.FeedbackDays ?? ceiling.FeedbackDays;
            results.Add(await ExpireBlobsAsync(feature, Feedback, drops, now, StorageNames.FeedbackContainer, [feature + "/"], _ => false, dryRun, cancellationToken));

            var reports = rules.ReportsDays ?? ceiling.ReportsDays;
            results.Add(await ExpireBlobsAsync(
                feature, Reports, reports, now, StorageNames.ReportsContainer,
                [$"drift/{feature}/", $"{ReleaseGateCheck.ReportsFolder}{feature}/", .. lifecycle.Labeling.Select(p => LabelQualityCheck.FolderOf(p.Name))],
                blob => blob.Name.StartsWith(ReleaseGateCheck.ReportsFolder, StringComparison.Ordinal)
                    && protectedIds.Contains("gate:" + Path.ChangeExtension(blob.Name[ReleaseGateCheck.ReportsFolder.Length..], null)),
                dryRun, cancellationToken));

            var taskSets = rules.TaskSetsDays ?? ceiling.TaskSetsDays;
            results.Add(await ExpireTaskSetsAsync(feature, taskSets, now, lifecycle.Labeling, protectedIds, dryRun, cancellationToken));
        }

        // Score parts are not kept per feature: a day goes when every feature's traces of that day have gone.
        if (heldFeatures.Count == 0 && all.Count > 0)
        {
            var longest = all.Max(l => l.Retention.TracesDays ?? ceiling.TracesDays);
            results.Add(await ExpirePartsAsync("*", ScoreParts, longest, now, FeedbackPartitions.ScoresFolder, dryRun, cancellationToken));
        }

        var report = new RetentionReport($"retention:{Ulid.NewUlid(now)}", now, dryRun, results, protectedIds.Count, [.. heldFeatures.Order(StringComparer.Ordinal)], warnings);
        if (dryRun)
        {
            return report;
        }

        var path = ReportPath(report.Id);
        await storage.Container(StorageNames.ReportsContainer).GetBlobClient(path).UploadAsync(BinaryData.FromObjectAsJson(report, Json), overwrite: true, cancellationToken);
        await governance.RecordAsync(
            new AuditRecord("retention.run", report.Id, null, $"deleted {report.Deleted}, kept {report.Kept} protected" + (heldFeatures.Count == 0 ? "" : $", held: {string.Join(", ", heldFeatures)}")),
            caller, cancellationToken);
        foreach (var group in results.Where(r => r.Deleted > 0 && r.Feature != "*").GroupBy(r => r.Feature))
        {
            await notifications.RaiseAsync(
                new NotificationEvent(
                    $"{report.Id}/{group.Key}",
                    NotificationKinds.RetentionRun,
                    group.Key,
                    $"Retention on {group.Key}: {group.Sum(r => r.Deleted)} expired item(s) deleted",
                    string.Join(", ", group.Select(r => $"{r.Kind} {r.Deleted} (older than {r.Days} days)")) + (group.Sum(r => r.Kept) is > 0 and var kept ? $"; {kept} kept for a deployment, alias or hold" : ""),
                    $"{StorageNames.ReportsContainer}/{path}",
                    now),
                cancellationToken);
        }

        return report;
    }

    /// <summary>Where a run's report is kept in the reports container.</summary>
    public static string ReportPath(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.StartsWith("retention:", StringComparison.Ordinal)
            ? RetentionReport.Folder + id["retention:".Length..] + ".json"
            : throw Errors.LlmOpsException.Invalid($"'{id}' is not a retention run id (retention:<ulid>).");
    }

    /// <summary>
    /// Every id retention must keep: the upstream lineage of each legal hold, each alias's version and each serving or
    /// canary deployment's version, with the gate reports downstream of those versions; and the features held whole.
    /// </summary>
    public async Task<(HashSet<string> Ids, HashSet<string> HeldFeatures, List<string> Warnings)> ProtectedAsync(CancellationToken cancellationToken = default)
    {
        var roots = new List<(string Id, bool Version)>();
        var heldFeatures = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var hold in holds.ListAsync(cancellationToken))
        {
            if (hold.Feature is { } feature)
            {
                heldFeatures.Add(feature);
            }
            else
            {
                roots.Add((hold.Id, false));
            }
        }

        await foreach (var item in registry.ListAsync(cancellationToken))
        {
            roots.AddRange(item.Aliases.Select(a => (ModelRegistry.VersionId(item.Name, a.Version), true)));
            var environments = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var deployment in registry.ListDeploymentsAsync(item.Name, cancellationToken))
            {
                environments.Add(deployment.Environment);
            }

            foreach (var environment in environments)
            {
                var traffic = await registry.GetTrafficAsync(item.Name, environment, cancellationToken);
                roots.AddRange(new[] { traffic.Stable, traffic.Canary }.OfType<Deployment>().Select(d => (ModelRegistry.VersionId(item.Name, d.Version), true)));
            }
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        foreach (var (root, version) in roots.Distinct())
        {
            ids.Add(root);
            var upstream = await lineage.QueryAsync(root, LineageDirection.Upstream, LineageStore.MaxDepth, cancellationToken);
            ids.UnionWith(upstream.Nodes.Select(n => n.Id));
            if (upstream.Truncated)
            {
                warnings.Add($"The lineage above {root} goes deeper than {LineageStore.MaxDepth} hops: what lies beyond is not protected by it.");
            }

            if (version)
            {
                var decisions = await lineage.QueryAsync(root, LineageDirection.Downstream, 1, cancellationToken);
                ids.UnionWith(decisions.Nodes.Where(n => n.Kind == "gate").Select(n => n.Id));
            }
        }

        return (ids, heldFeatures, warnings);
    }

    private static void Warn(List<string> warnings, string feature, string key, int? asked, int ceiling)
    {
        if (asked > ceiling)
        {
            warnings.Add($"{feature}: retention.{key} is {asked} days, above this deployment's ceiling of {ceiling} (LlmOps:Retention): in Azure the storage account's lifecycle rule deletes at {ceiling}.");
        }
    }

    private async Task<RetentionResult> ExpireBlobsAsync(
        string feature, string kind, int days, DateTimeOffset now, string containerName, IReadOnlyList<string> prefixes, Func<BlobItem, bool> isProtected, bool dryRun, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-days);
        var container = storage.Container(containerName);
        var deleted = new List<string>();
        long bytes = 0;
        var kept = 0;
        foreach (var prefix in prefixes.Distinct(StringComparer.Ordinal))
        {
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                if (blob.Properties.LastModified is not { } modified || modified >= cutoff)
                {
                    continue;
                }

                if (isProtected(blob))
                {
                    kept++;
                }
                else if (await DeleteAsync(container, blob.Name, blob.Properties.ETag, dryRun, cancellationToken))
                {
                    deleted.Add(blob.Name);
                    bytes += blob.Properties.ContentLength ?? 0;
                }
            }
        }

        return new RetentionResult(feature, kind, days, cutoff, deleted.Count, bytes, kept, [.. deleted.Take(ListedItems)]);
    }

    /// <summary>Parquet parts under <paramref name="prefix"/> whose <c>date=</c> folder is a day before the cutoff's.</summary>
    private async Task<RetentionResult> ExpirePartsAsync(string feature, string kind, int days, DateTimeOffset now, string prefix, bool dryRun, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-days);
        var lastDay = FeedbackPartitions.Day(cutoff);
        var container = storage.Container(StorageNames.AnalyticsContainer);
        var deleted = new List<string>();
        long bytes = 0;
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            var day = blob.Name.Split('/').FirstOrDefault(p => p.StartsWith("date=", StringComparison.Ordinal))?["date=".Length..];
            if (day is not null && string.CompareOrdinal(day, lastDay) < 0 && await DeleteAsync(container, blob.Name, blob.Properties.ETag, dryRun, cancellationToken))
            {
                deleted.Add(blob.Name);
                bytes += blob.Properties.ContentLength ?? 0;
            }
        }

        return new RetentionResult(feature, kind, days, cutoff, deleted.Count, bytes, 0, [.. deleted.Take(ListedItems)]);
    }

    /// <summary>Task sets created before the cutoff, manifest first (a set without one is incomplete and ignored), unless protected.</summary>
    private async Task<RetentionResult> ExpireTaskSetsAsync(
        string feature, int days, DateTimeOffset now, IReadOnlyList<LabelingProject> projects, HashSet<string> protectedIds, bool dryRun, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-days);
        var labels = storage.Container(StorageNames.LabelsContainer);
        var sets = new LabelTaskSets(storage, lineage, clock);
        var deleted = new List<string>();
        long bytes = 0;
        var kept = 0;
        foreach (var project in projects)
        {
            foreach (var set in await sets.ListAsync(project.Name, cancellationToken))
            {
                if (set.CreatedAt >= cutoff)
                {
                    continue;
                }

                if (protectedIds.Contains(set.Node))
                {
                    kept++;
                    continue;
                }

                var folder = $"{LabelTaskSets.FolderOf(project.Name)}{set.Id}/";
                await DeleteAsync(labels, folder + "manifest.json", null, dryRun, cancellationToken);
                await foreach (var blob in labels.GetBlobsAsync(new GetBlobsOptions { Prefix = folder }, cancellationToken))
                {
                    if (await DeleteAsync(labels, blob.Name, blob.Properties.ETag, dryRun, cancellationToken))
                    {
                        bytes += blob.Properties.ContentLength ?? 0;
                    }
                }

                deleted.Add(set.Node);
            }
        }

        return new RetentionResult(feature, TaskSets, days, cutoff, deleted.Count, bytes, kept, [.. deleted.Take(ListedItems)]);
    }

    /// <summary>Deletes a blob as listed (a blob written again since is left for a later run); true when it is gone or, in a dry run, would go.</summary>
    private static async Task<bool> DeleteAsync(BlobContainerClient container, string name, ETag? etag, bool dryRun, CancellationToken cancellationToken)
    {
        if (dryRun)
        {
            return true;
        }

        try
        {
            var response = await container.GetBlobClient(name).DeleteIfExistsAsync(
                DeleteSnapshotsOption.IncludeSnapshots, etag is { } e ? new BlobRequestConditions { IfMatch = e } : null, cancellationToken);
            return response.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }
}
