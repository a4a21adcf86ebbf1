using System.Globalization;
using System.Text.Json;
using LlmOps.Datasets;
using LlmOps.Embeddings;
using LlmOps.Errors;
using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using LlmOps.Telemetry;
using LlmOps.Notifications;
using LlmOps.Feedback;

namespace LlmOps.Drift;

/// <summary>
/// Runs a feature's drift check: picks the reference (the dataset version its champion was evaluated on, the previous
/// version, or one named) and the current version (latest, or its records of the last window), compares columns,
/// texts and embeddings, writes the report as JSON and HTML under <c>reports/drift/</c>, links it in the lineage graph,
/// sends the lifecycle's actions for alerts on the <c>actions</c> queue unless the same cause was sent within the
/// cool-down, and keeps a history row in table <c>driftchecks</c>.
/// </summary>
public sealed class DriftChecker(
    StorageAccount storage,
    DatasetStore datasets,
    EmbeddingIndexStore indexes,
    LifecycleCatalog lifecycles,
    ModelRegistry registry,
    ExperimentTracker tracker,
    LineageStore lineage,
    DriftHistory history,
    DriftActionLog actionLog,
    IEnumerable<IQualitySignalSource> qualitySources,
    TimeProvider clock)
{
    /// <summary>The quality windows when the lifecycle's current is latest: the last day against the six before it.</summary>
    public static readonly TimeSpan DefaultQualityWindow = TimeSpan.FromDays(1);

    /// <summary>A text field with at most this many distinct reference values is compared as categories.</summary>
    public const int CategoricalLimit = 50;

    /// <summary>
    /// Checks every source of the feature, one report each. A source with nothing to compare yet (no version, no
    /// previous one) is skipped with its reason; when every source is, that is the error. The feature's quality
    /// signals (retrieval relevance, ...) belong to the feature, not a source: they are in the first source's report.
    /// </summary>
    public async Task<DriftRun> CheckAllAsync(string feature, CancellationToken cancellationToken = default)
    {
        var lifecycle = await LifecycleAsync(feature, cancellationToken);
        var reports = new List<DriftReport>();
        var skipped = new List<string>();
        foreach (var source in lifecycle.Sources)
        {
            try
            {
                reports.Add(await CheckSourceAsync(lifecycle, source, null, null, cancellationToken));
            }
            catch (LlmOpsException ex) when (ex.Code == ErrorCode.NothingToCompare)
            {
                skipped.Add(ex.Message);
            }
        }

        return reports.Count > 0
            ? new DriftRun(reports, skipped)
            : throw LlmOpsException.NothingToCompare(string.Join(" ", skipped));
    }

    /// <summary>
    /// Checks one source of the feature: <paramref name="source"/>, else the source of <paramref name="currentId"/> or
    /// <paramref name="referenceId"/>, else the feature's only source.
    /// </summary>
    public async Task<DriftReport> CheckAsync(string feature, string? referenceId = null, string? currentId = null, string? source = null, CancellationToken cancellationToken = default)
    {
        using var span = LlmOpsTelemetry.Drift.StartActivity("drift check " + feature);
        span?.SetTag("llmops.feature", feature);
        var lifecycle = await LifecycleAsync(feature, cancellationToken);
        var named = source ?? (currentId ?? referenceId) switch
        {
            { } versionId when versionId.StartsWith("dataset:", StringComparison.Ordinal) => DatasetManifest.SourceOf(versionId),
            _ when lifecycle.Sources.Count == 1 => lifecycle.Sources[0].Name,
            _ => throw LlmOpsException.Invalid($"Feature '{feature}' has {lifecycle.Sources.Count} sources ({string.Join(", ", lifecycle.Sources.Select(s => s.Name))}): name one, or check them all."),
        };
        var sourceDefinition = lifecycle.Sources.FirstOrDefault(s => s.Name == named)
            ?? throw LlmOpsException.Invalid($"Feature '{feature}' has no source '{named}' (it has {string.Join(", ", lifecycle.Sources.Select(s => s.Name))}).");
        return await CheckSourceAsync(lifecycle, sourceDefinition, referenceId, currentId, cancellationToken);
    }

    /// <summary>One source's check, with the lifecycle read once by the caller (a run over every source reads it once).</summary>
    private async Task<DriftReport> CheckSourceAsync(LifecycleDefinition lifecycle, SourceDefinition sourceDefinition, string? referenceId, string? currentId, CancellationToken cancellationToken)
    {
        var feature = lifecycle.Feature;
        var settings = lifecycle.Drift;
        var current = currentId is not null
            ? await datasets.GetAsync(currentId, cancellationToken) ?? throw LlmOpsException.NotFound($"No dataset version {currentId}.")
            : await datasets.LatestAsync(sourceDefinition.Name, cancellationToken) ?? throw LlmOpsException.NothingToCompare($"Source '{sourceDefinition.Name}' has no dataset version yet; nothing to check.");
        var (reference, reason) = await ReferenceAsync(lifecycle, current, referenceId, cancellationToken);
        var primary = sourceDefinition == lifecycle.Sources[0];

        var now = clock.GetUtcNow();
        var window = settings.CurrentWindow;
        var referenceSample = await SampleAsync(reference, sourceDefinition, null, null, settings, cancellationToken);
        var currentSample = await SampleAsync(current, sourceDefinition, window is { } w ? now - w : null, referenceSample, settings, cancellationToken);
        var referenceIndex = EmbeddingIndexManifest.IdFor(reference.Id, lifecycle.Embedding.Model, lifecycle.Embedding.Dimensions);
        var currentIndex = EmbeddingIndexManifest.IdFor(current.Id, lifecycle.Embedding.Model, lifecycle.Embedding.Dimensions);
        var hasIndexes = await AddEmbeddingsAsync(referenceIndex, referenceSample, null, cancellationToken) & await AddEmbeddingsAsync(currentIndex, currentSample, window is null ? null : currentSample.RecordIds, cancellationToken);

        var checks = DriftAnalyzer.Analyze(referenceSample, currentSample, settings).ToList();
        var qualityWindow = window ?? DefaultQualityWindow;
        foreach (var quality in primary ? qualitySources : [])
        {
            if (quality.OnlyWhenConfigured && settings.For(quality.Signal) is null)
            {
                continue;
            }

            var (before, recent) = await quality.ReadAsync(feature, now - (7 * qualityWindow), now - qualityWindow, now, cancellationToken);
            checks.Add(DriftAnalyzer.QualityChange(quality.Signal, before, recent, settings.For(quality.Signal), quality.HigherIsBetter, quality.Quantile, quality.Relative));
        }

        var id = $"drift:{feature}/{Ulid.NewUlid(now)}";
        var report = new DriftReport(
            id, feature, sourceDefinition.Name, reference.Id, reason, current.Id, hasIndexes ? referenceIndex : null, hasIndexes ? currentIndex : null, now,
            checks, DriftAnalyzer.DatasetDrift(checks), [], []);
        var (sent, held) = await SendActionsAsync(report, settings, cancellationToken);
        report = report with { ActionsSent = sent, ActionsHeldBack = held };

        var container = storage.Container(StorageNames.ReportsContainer);
        await container.GetBlobClient(report.Folder + "report.json").UploadAsync(BinaryData.FromObjectAsJson(report, Json), overwrite: true, cancellationToken);
        await container.GetBlobClient(report.Folder + "report.html").UploadAsync(BinaryData.FromString(DriftReportPage.Render(report)), overwrite: true, cancellationToken);
        var alerting = checks.Where(c => c.Status == DriftStatus.Alert).ToList();
        if (alerting.Count > 0)
        {
            await new NotificationOutbox(storage, lifecycles, clock).RaiseAsync(
                new NotificationEvent(
                    id,
                    NotificationKinds.DriftAlert,
                    feature,
                    $"Drift alert on {feature} ({sourceDefinition.Name}): {alerting.Count} check(s)",
                    string.Join("\n", alerting.Take(10).Select(c => $"- {c.Signal}: {c.Test} {c.Value:0.###} (alert at {c.Alert:0.###})"))
                        + (sent.Count > 0 ? $"\nActions sent: {string.Join(", ", sent.Select(a => a.Action).Distinct())}" : "")
                        + $"\n{reference.Id} -> {current.Id}",
                    $"{StorageNames.ReportsContainer}/{report.Folder}report.html",
                    now),
                cancellationToken);
        }

        await lineage.RecordAsync(
            new LineageEvent($"llmops.drift/{feature}", LineageIds.StableRunId(id), LineageRelation.Used,
                [new LineageDataset(reference.Id), new LineageDataset(current.Id)],
                [new LineageDataset(id, new Dictionary<string, string> { ["report"] = $"{StorageNames.ReportsContainer}/{report.Folder}report.html", ["datasetDrift"] = report.DatasetDrift.ToString() })]),
            cancellationToken);
        await history.RecordAsync(
            new DriftHistoryRow
            {
                PartitionKey = TableKey.Encode(feature),
                RowKey = DriftHistory.RowKeyOf(now, sourceDefinition.Name),
                ReportId = id,
                Source = sourceDefinition.Name,
                Reference = reference.Id,
                Current = current.Id,
                Alerts = checks.Count(c => c.Status == DriftStatus.Alert),
                Warnings = checks.Count(c => c.Status == DriftStatus.Warn),
                DatasetDrift = report.DatasetDrift,
                Actions = string.Join(",", sent.Select(a => a.Action).Distinct()),
                Report = $"{StorageNames.ReportsContainer}/{report.Folder}report.html",
                CheckedAt = now,
            },
            cancellationToken);
        return report;
    }

    private async Task<LifecycleDefinition> LifecycleAsync(string feature, CancellationToken cancellationToken) =>
        await lifecycles.GetAsync(feature, cancellationToken)
            ?? throw LlmOpsException.NotFound($"No published lifecycle for feature '{feature}' (llmops lifecycle publish FILE).");

    /// <summary>Past checks of a feature, newest first.</summary>
    public async Task<IReadOnlyList<DriftHistoryRow>> HistoryAsync(string feature, int max = 20, CancellationToken cancellationToken = default)
    {
        var rows = new List<DriftHistoryRow>();
        await foreach (var row in history.ListAsync(feature, cancellationToken))
        {
            rows.Add(row);
            if (rows.Count == max)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>Report JSON: a value that does not exist (NaN for too few values) is null, never the string "NaN".</summary>
    /// <summary>How a report's JSON is written (and read back: NaN values are null in it).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerOptions.Web) { Converters = { new FiniteOrNullJsonConverter() }, WriteIndented = true };

    private async Task<(DatasetManifest Manifest, string Reason)> ReferenceAsync(LifecycleDefinition lifecycle, DatasetManifest current, string? referenceId, CancellationToken cancellationToken)
    {
        var choice = referenceId is null ? lifecycle.Drift.Reference
            : DriftReference.TryParse(referenceId) ?? throw LlmOpsException.Invalid($"'{referenceId}' is not a drift reference: champion, previous or a dataset version id (dataset:<source>@<hash>).");
        var otherSource = referenceId is null && choice.Kind == DriftReferenceKind.Dataset && DatasetManifest.SourceOf(choice.DatasetId!) != current.Source;
        if (choice.Kind == DriftReferenceKind.Dataset && !otherSource)
        {
            var named = await datasets.GetAsync(choice.DatasetId!, cancellationToken) ?? throw LlmOpsException.NotFound($"No dataset version {choice.DatasetId}.");
            return (await datasets.LiveAsync(named, cancellationToken), referenceId is null ? "named in the lifecycle" : "named on the command line");
        }

        if (choice.Kind == DriftReferenceKind.Champion)
        {
            var model = lifecycle.Drift.Model!;
            var alias = await registry.GetAliasAsync(model, ModelRegistry.Champion, cancellationToken)
                ?? throw LlmOpsException.NothingToCompare($"The drift reference is the champion of {model}, which has none yet (llmops registry promote).");
            var version = await registry.GetVersionAsync(model, alias.Version, cancellationToken) ?? throw LlmOpsException.NotFound($"{model}@champion points at a missing version.");
            var run = await tracker.GetRunAsync(version.RunId, cancellationToken) ?? throw LlmOpsException.NotFound($"The champion's run {version.RunId} is gone.");
            foreach (var input in run.Inputs.OrderByDescending(i => i.Context == RunInput.Evaluation))
            {
                var datasetId = input.DatasetId.StartsWith("index:", StringComparison.Ordinal)
                    ? (await indexes.GetAsync(input.DatasetId, cancellationToken))?.DatasetId
                    : input.DatasetId;
                if (datasetId is not null && DatasetManifest.SourceOf(datasetId) == current.Source && await datasets.GetAsync(datasetId, cancellationToken) is { } manifest)
                {
                    var live = await datasets.LiveAsync(manifest, cancellationToken);
                    return (live, $"the dataset {ModelRegistry.VersionId(model, alias.Version)} (champion) was evaluated on, via {run.Info.Id}" + (live.Id == manifest.Id ? "" : $" (erased since: its successor {live.Id})"));
                }
            }

            throw LlmOpsException.NothingToCompare($"The champion's run {run.Info.Id} logged no dataset or index input of source '{current.Source}' to compare against.");
        }

        // The catalog lists newest first: the entry after the current one is the version before it.
        var seen = false;
        await foreach (var entry in datasets.EntriesAsync(current.Source, cancellationToken))
        {
            if (seen && await datasets.GetAsync(entry.VersionId, cancellationToken) is { } previous)
            {
                return (previous, otherSource ? $"the version before the current one (the lifecycle's reference is of source '{DatasetManifest.SourceOf(choice.DatasetId!)}')" : "the version before the current one");
            }

            seen |= entry.VersionId == current.Id;
        }

        throw LlmOpsException.NothingToCompare($"{current.Id} is the first version of '{current.Source}'; there is no previous version to compare with (name a reference).");
    }

    private async Task<DriftSample> SampleAsync(DatasetManifest manifest, SourceDefinition source, DateTimeOffset? since, DriftSample? reference, DriftSettings settings, CancellationToken cancellationToken)
    {
        var sample = new DriftSample();
        var timeField = source.Schema.FirstOrDefault(f => f.Type == FieldType.DateTime)?.Name;
        var numeric = source.Schema.Where(f => f.Type is FieldType.WholeNumber or FieldType.Number).Select(f => f.Name).ToList();
        var text = source.Schema.Where(f => f.Type == FieldType.Text && f.Name != source.TextField && f.Name != source.IdField).Select(f => f.Name).ToList();
        var texts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var name in numeric)
        {
            sample.Numeric[name] = []; // a column missing from every record still gets its row (too few values)
        }

        await foreach (var record in datasets.ReadRecordsAsync(manifest, cancellationToken))
        {
            if (since is not null && timeField is not null && record.Fields.GetValueOrDefault(timeField) is { } stamp
                && DateTimeOffset.TryParse(Convert.ToString(stamp, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at < since)
            {
                continue;
            }

            sample.Rows++;
            sample.RecordIds.Add(record.Id);
            foreach (var name in numeric)
            {
                if (record.Fields.GetValueOrDefault(name) is { } value && double.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    (sample.Numeric.TryGetValue(name, out var list) ? list : sample.Numeric[name] = []).Add(number);
                }
            }

            foreach (var name in text)
            {
                if (record.Fields.GetValueOrDefault(name) is { } value)
                {
                    (texts.TryGetValue(name, out var list) ? list : texts[name] = []).Add(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                }
            }

            sample.Texts.Add(record.Text);
            sample.TokenCounts.Add(record.Tokens);
            sample.Languages.Add(record.Language);
        }

        foreach (var (name, values) in texts)
        {
            // Low-cardinality text columns (in the reference) are categories; free text is covered by the text signals.
            // A column whose signal pins a categorical test is compared as categories whatever its cardinality.
            var pinned = settings.For("column:" + name)?.Test is "chi_square" or "jensen_shannon";
            var categorical = pinned || (reference is null ? values.Distinct(StringComparer.Ordinal).Count() <= CategoricalLimit : reference.Categorical.ContainsKey(name));
            if (categorical)
            {
                sample.Categorical[name] = values;
            }
        }

        if (reference is not null)
        {
            foreach (var name in reference.Categorical.Keys.Where(k => !sample.Categorical.ContainsKey(k)))
            {
                sample.Categorical[name] = [];
            }
        }

        return sample;
    }

    private async Task<bool> AddEmbeddingsAsync(string indexId, DriftSample sample, HashSet<string>? records, CancellationToken cancellationToken)
    {
        if (await indexes.GetAsync(indexId, cancellationToken) is not { } manifest)
        {
            return false;
        }

        var index = await indexes.LoadAsync(manifest, cancellationToken);
        for (var i = 0; i < index.Count; i++)
        {
            if (records is null || records.Contains(index.Chunks[i].RecordId))
            {
                sample.Embeddings.Add(index.Vectors.AsSpan(i * manifest.Dimensions, manifest.Dimensions).ToArray());
            }
        }

        return true;
    }

    private async Task<(List<DriftAction> Sent, List<string> Held)> SendActionsAsync(DriftReport report, DriftSettings settings, CancellationToken cancellationToken)
    {
        var sent = new List<DriftAction>();
        var held = new List<string>();
        var alerts = report.Checks.Where(c => c.Status == DriftStatus.Alert && c.Action is not null).ToList();
        if (alerts.Count == 0)
        {
            return (sent, held);
        }

        var queue = storage.Queue(StorageNames.ActionsQueue);
        foreach (var check in alerts)
        {
            var cause = $"{check.Action}|{check.Signal}";
            if (await actionLog.LastSentAsync(report.Feature, cause, cancellationToken) is { SentAt: var sentAt } && report.CheckedAt - sentAt < settings.Cooldown)
            {
                held.Add($"{check.Action} for {check.Signal} (sent {sentAt:u}, cool-down {settings.Cooldown})");
                continue;
            }

            var action = new DriftAction(report.Feature, check.Action!, check.Signal, check.Test, check.Value, check.Alert, report.Reference, report.Current,
                $"{StorageNames.ReportsContainer}/{report.Folder}report.html", report.CheckedAt, report.Id);
            await queue.SendMessageAsync(JsonSerializer.Serialize(action, JsonSerializerOptions.Web), cancellationToken);
            await actionLog.RecordSentAsync(report.Feature, cause, report.CheckedAt, report.Id, cancellationToken);
            sent.Add(action);
        }

        return (sent, held);
    }
}
