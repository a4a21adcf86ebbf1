using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmOps.Datasets;
using LlmOps.Drift;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.Feedback;
using LlmOps.Governance;
using LlmOps.Ingestion;
using LlmOps.Labeling;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Monitoring;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using LlmOps.Triggers;

namespace LlmOps.WebConsole;

/// <summary>
/// The read models of the console's pages, each built from the stores the CLI reads for the same question (no
/// separate copy of any data): what a page shows is what <c>llmops datasets show</c>, <c>runs show</c>, <c>registry
/// show</c>, <c>drift history</c>, <c>feedback stats</c> and <c>label report</c> print.
/// </summary>
public sealed class ConsoleViews(
    StorageAccount storage,
    LifecycleCatalog lifecycles,
    DatasetStore datasets,
    EmbeddingIndexStore indexes,
    LineageStore lineage,
    ExperimentTracker tracker,
    ModelRegistry registry,
    ReleaseGateCheck gates,
    DriftHistory driftHistory,
    FeedbackStore feedback,
    FeedbackAnalytics analytics,
    LabelQualityCheck labeling,
    PoisonStore poison,
    OperationsStatus operations,
    AuditLog audit,
    ApprovalStore approvals,
    TimeProvider clock)
{
    /// <summary>Quarantined rows shown per dataset version (the rest stay in the quarantine container).</summary>
    public const int QuarantineRowsShown = 50;

    /// <summary>Drops with quarantined rows (or refused) shown on the overview, newest first.</summary>
    public const int RecentFailuresShown = 50;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerOptions.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly IngestionLog _ingestions = new(storage);

    public async Task<object> OverviewAsync(CancellationToken cancellationToken)
    {
        var features = new List<object>();
        var items = await registry.ListAsync(cancellationToken).ToListAsync(cancellationToken);
        var troubledDrops = new List<(string Source, IngestionRecord Drop)>();
        foreach (var lifecycle in (await lifecycles.ListAsync(cancellationToken)).OrderBy(l => l.Feature, StringComparer.Ordinal))
        {
            var sources = new List<object>();
            foreach (var source in lifecycle.Sources)
            {
                var dataset = await datasets.LatestAsync(source.Name, cancellationToken);
                var index = await indexes.ListAsync(source.Name, cancellationToken).OrderByDescending(i => i.CreatedAt).FirstOrDefaultAsync(cancellationToken);
                sources.Add(new { source.Name, Dataset = dataset is null ? null : new { dataset.Id, dataset.Records, dataset.CreatedAt }, Index = index is null ? null : new { index.Id, index.Vectors, index.CreatedAt } });
                await foreach (var drop in _ingestions.ListAsync(source.Name, cancellationToken))
                {
                    if (drop.Quarantined > 0 || drop.Status == nameof(IngestionStatus.Rejected))
                    {
                        troubledDrops.Add((source.Name, drop));
                    }
                }
            }

            var releases = new List<object>();
            foreach (var item in items.Where(i => i.Feature == lifecycle.Feature))
            {
                var deployments = await registry.ListDeploymentsAsync(item.Name, cancellationToken)
                    .Where(d => d.Status is Deployment.Active or Deployment.Canary).ToListAsync(cancellationToken);
                releases.Add(new { item.Name, item.LatestVersion, Aliases = item.Aliases.Select(a => new { a.Alias, a.Version, a.MovedAt, a.MovedBy }), Deployments = deployments });
            }

            var alerts = (await LatestDriftAsync(lifecycle.Feature, cancellationToken)).Where(r => r.Alerts > 0)
                .Select(r => new { r.Source, r.ReportId, r.Alerts, r.Warnings, r.CheckedAt, r.Report });
            features.Add(new
            {
                lifecycle.Feature,
                Sources = sources,
                Releases = releases,
                DriftAlerts = alerts,
                LabelingProjects = lifecycle.Labeling.Select(p => p.Name),
            });
        }

        var status = await operations.GetAsync(cancellationToken);
        var poisoned = await poison.ListAsync(cancellationToken: cancellationToken);
        return new
        {
            At = clock.GetUtcNow(),
            Features = features,
            Failures = new
            {
                Poisoned = poisoned.Select(p => new { p.Id, p.Function, p.PoisonQueue, p.Subject, p.Attempts }),
                QuarantinedDrops = troubledDrops.OrderByDescending(d => d.Drop.IngestedAt).Take(RecentFailuresShown)
                    .Select(d => new { d.Source, d.Drop.BlobName, d.Drop.Status, d.Drop.Quarantined, d.Drop.Reason, d.Drop.VersionId, d.Drop.IngestedAt }),
                Functions = status.Functions.Where(f => f.Attention is not null).Select(f => new { f.Function, f.Attention, f.State, f.StateError, f.LastRun }),
            },
            status.Hosts,
            status.Worker,
        };
    }

    /// <summary>The published features with their sources and labeling projects (the pickers of the drift, feedback and labeling pages).</summary>
    public async Task<object> FeaturesAsync(CancellationToken cancellationToken) => new
    {
        Features = (await lifecycles.ListAsync(cancellationToken)).OrderBy(l => l.Feature, StringComparer.Ordinal)
            .Select(l => new { l.Feature, Sources = l.Sources.Select(s => s.Name), LabelingProjects = l.Labeling.Select(p => p.Name) }),
    };

    public async Task<object> DatasetsAsync(string? source, CancellationToken cancellationToken)
    {
        var versions = await datasets.ListAsync(source, cancellationToken).ToListAsync(cancellationToken);
        return new
        {
            Source = source,
            Sources = versions.Select(v => v.Source).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal),
            Versions = versions.OrderByDescending(v => v.CreatedAt).Select(v => new
            {
                v.Id,
                v.Feature,
                v.Source,
                v.Records,
                v.Chunks,
                v.Tokens,
                v.Quality.Quarantined,
                v.CreatedAt,
                v.SourceBlob,
            }),
        };
    }

    public async Task<object> DatasetVersionAsync(string id, CancellationToken cancellationToken)
    {
        var manifest = await RequireDatasetAsync(id, cancellationToken);
        var tombstone = await datasets.TombstoneAsync(manifest.Id, cancellationToken);
        var buckets = new SortedDictionary<int, long>();
        IReadOnlyList<string> problems = [$"erased by {tombstone?.Erasure} at {tombstone?.ErasedAt:u}: its records live on in {tombstone?.Successor}"];
        if (tombstone is null)
        {
            problems = await datasets.VerifyAsync(manifest, cancellationToken);
            await foreach (var record in datasets.ReadRecordsAsync(manifest, cancellationToken))
            {
                var bucket = TokenBucket(record.Tokens);
                buckets[bucket] = buckets.GetValueOrDefault(bucket) + 1;
            }
        }

        return new
        {
            Manifest = manifest,
            Verified = problems.Count == 0,
            Problems = problems,
            TokenHistogram = buckets.Select(b => new { From = b.Key, To = NextBucket(b.Key), Records = b.Value }),
            Quarantined = await QuarantinedRowsAsync(manifest, cancellationToken),
            Tombstone = tombstone,
        };
    }

    public async Task<object> DiffAsync(string from, string to, CancellationToken cancellationToken)
    {
        var before = await RequireDatasetAsync(from, cancellationToken);
        var after = await RequireDatasetAsync(to, cancellationToken);
        var diff = await datasets.DiffAsync(before, after, cancellationToken);
        var changed = diff.Changed.ToHashSet(StringComparer.Ordinal);
        var old = new Dictionary<string, DatasetRecord>(StringComparer.Ordinal);
        await foreach (var record in datasets.ReadRecordsAsync(before, cancellationToken))
        {
            if (changed.Contains(record.Id))
            {
                old[record.Id] = record;
            }
        }

        var fields = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        await foreach (var record in datasets.ReadRecordsAsync(after, cancellationToken))
        {
            if (old.TryGetValue(record.Id, out var earlier))
            {
                fields[record.Id] = ChangedFields(earlier, record);
            }
        }

        return new { diff.From, diff.To, diff.Added, diff.Removed, Changed = diff.Changed.Select(id => new { Id = id, Fields = fields.GetValueOrDefault(id) ?? [] }) };
    }

    /// <summary>
    /// One level of the graph around <paramref name="id"/>, as <c>GET /api/lineage/{id}?depth=1</c> gives it: the
    /// explorer reads it here, through the console's signed-in route, so an Entra user without a key can use it.
    /// </summary>
    public async Task<LineageGraph> LineageLevelAsync(string id, CancellationToken cancellationToken)
    {
        var graph = await lineage.QueryAsync(id, LineageDirection.Both, 1, cancellationToken);
        return graph.Found ? graph : throw LlmOpsException.NotFound($"Nothing in the lineage graph is called '{id}'.");
    }

    public async Task<object> SearchLineageAsync(string text, int limit, CancellationToken cancellationToken) =>
        new { Query = text, Nodes = await lineage.SearchAsync(text, limit, cancellationToken) };

    /// <summary>
    /// The newest <paramref name="limit"/> runs matching the filters, and how many match. Without a text or status filter
    /// only the runs shown are read (the count comes from the index); a filter reads every run of the experiment.
    /// </summary>
    public async Task<object> RunsAsync(string? experiment, string? text, string? status, int limit, CancellationToken cancellationToken)
    {
        var experiments = await tracker.ListExperimentsAsync(cancellationToken).ToListAsync(cancellationToken);
        if (text is null && status is null)
        {
            var (newest, total) = await tracker.NewestRunsAsync(experiment, limit, cancellationToken);
            return new { Experiment = experiment, Experiments = experiments, Matching = total, Runs = newest };
        }

        var matching = 0;
        var runs = new List<RunInfo>();
        await foreach (var run in tracker.ListRunsAsync(experiment, cancellationToken))
        {
            if ((text is null || run.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || run.Id.Contains(text, StringComparison.OrdinalIgnoreCase) || run.User.Contains(text, StringComparison.OrdinalIgnoreCase))
                && (status is null || string.Equals(run.Status.ToString(), status, StringComparison.OrdinalIgnoreCase)))
            {
                matching++;
                if (runs.Count < limit)
                {
                    runs.Add(run);
                }
            }
        }

        return new { Experiment = experiment, Experiments = experiments, Matching = matching, Runs = runs };
    }

    public async Task<object> RunAsync(string id, CancellationToken cancellationToken)
    {
        var run = await tracker.GetRunAsync(id, cancellationToken) ?? throw LlmOpsException.NotFound($"No run '{id}'.");
        var history = new Dictionary<string, IReadOnlyList<MetricPoint>>(StringComparer.Ordinal);
        foreach (var key in run.LatestMetrics.Keys)
        {
            history[key] = await tracker.GetMetricHistoryAsync(id, key, cancellationToken);
        }

        return new { Run = run, History = history };
    }

    public async Task<object> RegistryAsync(CancellationToken cancellationToken)
    {
        var items = await registry.ListAsync(cancellationToken).ToListAsync(cancellationToken);
        return new { Items = items.Select(i => new { i.Name, i.Kind, i.Feature, i.LatestVersion, i.Description, Aliases = i.Aliases.Select(a => new { a.Alias, a.Version }) }) };
    }

    public async Task<object> RegistryItemAsync(string name, CancellationToken cancellationToken)
    {
        var item = await registry.GetAsync(name, cancellationToken) ?? throw LlmOpsException.NotFound($"Nothing is registered as '{name}'.");
        var aliases = new List<object>();
        foreach (var alias in item.Aliases)
        {
            aliases.Add(new
            {
                alias.Alias,
                alias.Version,
                alias.MovedAt,
                alias.MovedBy,
                History = await registry.AliasHistoryAsync(item.Name, alias.Alias, cancellationToken).Take(20).ToListAsync(cancellationToken),
            });
        }

        return new
        {
            item.Name,
            item.Kind,
            item.Feature,
            item.Description,
            item.Tags,
            Versions = await registry.ListVersionsAsync(item.Name, cancellationToken).ToListAsync(cancellationToken),
            Aliases = aliases,
            Deployments = await registry.ListDeploymentsAsync(item.Name, cancellationToken).ToListAsync(cancellationToken),
            Gates = item.Feature is null ? [] : await GateReportsAsync(item, cancellationToken),
        };
    }

    public async Task<object> DriftAsync(string feature, CancellationToken cancellationToken)
    {
        var lifecycle = await lifecycles.GetAsync(feature, cancellationToken) ?? throw LlmOpsException.NotFound($"No lifecycle is published for feature '{feature}'.");
        var rows = await driftHistory.ListAsync(feature, cancellationToken).Take(60).ToListAsync(cancellationToken);
        var reports = storage.Container(StorageNames.ReportsContainer);
        var checks = new List<object>();
        var actions = new List<object>();
        foreach (var row in rows.OrderBy(r => r.CheckedAt))
        {
            var blob = reports.GetBlobClient(ReportBlob(row.Report)[..^".html".Length] + ".json");
            if (!await blob.ExistsAsync(cancellationToken))
            {
                continue;
            }

            var report = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<DriftReport>(DriftChecker.Json)!;

            // A check with too little data has no thresholds in its report: the lifecycle's, where it names them.
            checks.AddRange(report.Checks.Select(c => new
            {
                report.Source,
                c.Signal,
                c.Kind,
                c.Test,
                Value = Finite(c.Value),
                Warn = Finite(c.Warn) ?? lifecycle.Drift.For(c.Signal)?.Warn,
                Alert = Finite(c.Alert) ?? lifecycle.Drift.For(c.Signal)?.Alert,
                c.LowerIsWorse,
                c.Status,
                report.CheckedAt,
                ReportId = report.Id,
            }));
            actions.Add(new { report.Id, report.Source, report.CheckedAt, report.DatasetDrift, Sent = report.ActionsSent, HeldBack = report.ActionsHeldBack, row.Report });
        }

        return new
        {
            Feature = feature,
            Signals = lifecycle.Drift,
            Checks = checks,
            Reports = actions.AsEnumerable().Reverse(),
        };
    }

    public async Task<object> FeedbackAsync(string feature, int days, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow().UtcDateTime.Date.AddDays(1 - days);
        var byPrompt = await analytics.StatsAsync(feature, since, "prompt", cancellationToken);
        var byDay = await analytics.StatsAsync(feature, since, "day", cancellationToken);
        IReadOnlyList<IReadOnlyDictionary<string, object?>> recent;
        using (var query = await analytics.OpenAsync(feature, since, cancellationToken))
        {
            recent = query.Rows("SELECT Id, Time, PromptVersion, Deployment, Status, LatencyMs FROM traces ORDER BY Time DESC LIMIT 25");
        }

        return new { Feature = feature, Since = since, Days = days, ByPrompt = byPrompt.Groups, ByDay = byDay.Groups.OrderBy(g => g.Group, StringComparer.Ordinal), Recent = recent };
    }

    public async Task<object> TraceAsync(string id, CancellationToken cancellationToken)
    {
        var (trace, scores) = await feedback.GetAsync(id, cancellationToken);
        return trace is null ? throw LlmOpsException.NotFound($"No trace '{id}'.") : new { Trace = trace, Scores = scores };
    }

    public async Task<HttpTriggerResponse> LabelingAsync(string project, CancellationToken cancellationToken)
    {
        var report = await labeling.RequireLatestAsync(project, false, cancellationToken);
        return new HttpTriggerResponse(200, "application/json; charset=utf-8", report.ToMemory());
    }

    /// <summary>Records the decision as <c>llmops label adjudicate</c> does, then reruns the project's QA so the report shows it.</summary>
    public async Task<object> AdjudicateAsync(AdjudicationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Project) || string.IsNullOrWhiteSpace(request.Item) || string.IsNullOrWhiteSpace(request.Field))
        {
            throw LlmOpsException.Invalid("An adjudication needs project, item and field.");
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw LlmOpsException.Invalid("Say why: an adjudication is recorded with its reason.");
        }

        var decision = new Adjudication(request.Item, request.Field, request.Values ?? [], "", request.Reason.Trim(), clock.GetUtcNow());
        await labeling.AdjudicateAsync(request.Project, decision, cancellationToken);
        var report = await labeling.RunAsync(request.Project, cancellationToken);
        return new { Recorded = report.Adjudication.FirstOrDefault(a => a.Item == request.Item && a.Field == request.Field)?.Decision, report.Publishable, report.Reasons };
    }

    public async Task<object> GovernanceAsync(int limit, CancellationToken cancellationToken) => new
    {
        Pending = await approvals.ListAsync(ChangeRequest.Pending, cancellationToken).ToListAsync(cancellationToken),
        Decided = await approvals.ListAsync(cancellationToken: cancellationToken).Where(r => r.Status != ChangeRequest.Pending).Take(limit).ToListAsync(cancellationToken),
        Audit = await audit.ListAsync(cancellationToken: cancellationToken).Take(limit).ToListAsync(cancellationToken),
    };

    /// <summary>An HTML report LlmOps wrote to the reports container (drift reports, labeling reports), as it is.</summary>
    public async Task<HttpTriggerResponse> ReportAsync(string path, CancellationToken cancellationToken)
    {
        var name = ReportBlob(path);
        if (!name.EndsWith(".html", StringComparison.Ordinal))
        {
            throw LlmOpsException.Invalid("Only HTML reports are served here.");
        }

        var blob = storage.Container(StorageNames.ReportsContainer).GetBlobClient(name);
        if (!await blob.ExistsAsync(cancellationToken))
        {
            throw LlmOpsException.NotFound($"No report '{path}'.");
        }

        var content = await blob.DownloadContentAsync(cancellationToken);
        return new HttpTriggerResponse(200, "text/html; charset=utf-8", content.Value.Content.ToMemory());
    }

    private async Task<List<DriftHistoryRow>> LatestDriftAsync(string feature, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, DriftHistoryRow>(StringComparer.Ordinal);
        await foreach (var row in driftHistory.ListAsync(feature, cancellationToken).Take(200))
        {
            latest.TryAdd(row.Source, row);
        }

        return [.. latest.Values];
    }

    private async Task<IReadOnlyList<GateReport>> GateReportsAsync(RegisteredItem item, CancellationToken cancellationToken)
    {
        var reports = storage.Container(StorageNames.ReportsContainer);
        var found = new List<GateReport>();
        await foreach (var blob in reports.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"{ReleaseGateCheck.ReportsFolder}{item.Feature}/" }, cancellationToken))
        {
            if (blob.Name.EndsWith(".json", StringComparison.Ordinal)
                && await gates.GetReportAsync("gate:" + blob.Name[ReleaseGateCheck.ReportsFolder.Length..^".json".Length], cancellationToken) is { } report
                && report.Candidate.StartsWith(item.Name + "/", StringComparison.Ordinal))
            {
                found.Add(report);
            }
        }

        return [.. found.OrderByDescending(r => r.At)];
    }

    private async Task<object?> QuarantinedRowsAsync(DatasetManifest manifest, CancellationToken cancellationToken)
    {
        var name = manifest.SourceBlob.StartsWith(StorageNames.RawContainer + "/", StringComparison.Ordinal) ? manifest.SourceBlob[(StorageNames.RawContainer.Length + 1)..] : manifest.SourceBlob;
        var drop = await _ingestions.GetAsync(manifest.Source, name, manifest.SourceETag, cancellationToken);
        if (drop?.QuarantineFolder is not { Length: > 0 } folder)
        {
            return null;
        }

        var blob = storage.Container(StorageNames.QuarantineContainer).GetBlobClient(folder + QuarantineWriter.RejectedFile);
        var rows = new List<JsonElement>();
        if (await blob.ExistsAsync(cancellationToken))
        {
            await using var gzip = new GZipStream(await blob.OpenReadAsync(cancellationToken: cancellationToken), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip);
            while (rows.Count < QuarantineRowsShown && await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length > 0)
                {
                    rows.Add(JsonSerializer.Deserialize<JsonElement>(line));
                }
            }
        }

        return new { Folder = $"{StorageNames.QuarantineContainer}/{folder}", drop.Quarantined, Rows = rows };
    }

    private async Task<DatasetManifest> RequireDatasetAsync(string id, CancellationToken cancellationToken) =>
        await datasets.GetAsync(id, cancellationToken) ?? throw LlmOpsException.NotFound($"No dataset version '{id}'.");

    private static List<string> ChangedFields(DatasetRecord before, DatasetRecord after)
    {
        var names = before.Fields.Keys.Union(after.Fields.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var changed = names.Where(n => JsonSerializer.Serialize(before.Fields.GetValueOrDefault(n)) != JsonSerializer.Serialize(after.Fields.GetValueOrDefault(n))).ToList();
        if (before.Text != after.Text)
        {
            changed.Add("text");
        }

        return changed;
    }

    /// <summary>A blob path in the reports container from a stored report path (<c>reports/drift/...</c> or <c>drift/...</c>).</summary>
    private static string ReportBlob(string path)
    {
        var name = path.StartsWith(StorageNames.ReportsContainer + "/", StringComparison.Ordinal) ? path[(StorageNames.ReportsContainer.Length + 1)..] : path;
        return name.Length == 0 || name.Contains("..", StringComparison.Ordinal) || name.StartsWith('/') ? throw LlmOpsException.Invalid($"'{path}' is not a report path.") : name;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>Token-length buckets that double: 0-15, 16-31, 32-63, ...</summary>
    private static int TokenBucket(int tokens) => tokens < 16 ? 0 : 1 << (31 - int.LeadingZeroCount(tokens));

    private static int NextBucket(int from) => from == 0 ? 16 : from * 2;
}
