using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using LlmOps.Errors;
using LlmOps.Lineage;
using LlmOps.Governance;
using LlmOps.Storage;

namespace LlmOps.Tracking;

/// <summary>
/// Experiment tracking on MLflow's model, in Tables and blobs. Tables: <c>experiments</c> (a partition per experiment:
/// its row plus an index row per run), <c>runs</c> (a partition per run: info, params, tags, inputs) and
/// <c>runmetrics</c> (a partition per run, a row per point, written in transactions of 100). Artifacts go to the
/// <c>artifacts</c> container under the run's id. Inputs become lineage edges dataset -> run.
/// </summary>
public sealed partial class ExperimentTracker(StorageAccount storage, LineageStore lineage, ChangeControl governance, TimeProvider clock)
{
    /// <summary>The clock runs and metrics are stamped with (the one the host was given).</summary>
    public TimeProvider Clock => clock;

    public const int MetricBatchSize = 100;
    internal const string InfoRow = "run";
    private const string OwnRow = "experiment";
    private const string RunIndexPrefix = "run|";

    /// <summary>The experiments-table partition indexing every run, newest first (no experiment name can encode to it).</summary>
    private const string AllRunsPartition = "*";
    private readonly TableClient _experiments = storage.Table(StorageNames.ExperimentsTable);
    private readonly TableClient _runs = storage.Table(StorageNames.RunsTable);
    private readonly TableClient _metrics = storage.Table(StorageNames.RunMetricsTable);

    /// <summary>Starts a run in <paramref name="experiment"/> (created on first use) with status RUNNING.</summary>
    public async Task<RunInfo> StartRunAsync(string experiment, RunStart? start = null, CancellationToken cancellationToken = default)
    {
        ValidateName(experiment, "experiment name");
        start ??= new RunStart();
        if (start.Status is not (RunStatus.Running or RunStatus.Scheduled))
        {
            throw LlmOpsException.Invalid($"A run starts RUNNING or SCHEDULED, not {start.Status.ToString().ToUpperInvariant()}.");
        }

        var caller = await governance.DemandAsync(Role.Contributor, start.Tags?.GetValueOrDefault("feature") ?? experiment, $"start a run in {experiment}", cancellationToken);
        var now = clock.GetUtcNow();
        var id = "run:" + Ulid.NewUlid(now).ToString();
        var info = new RunInfo(
            id,
            experiment,
            string.IsNullOrWhiteSpace(start.Name) ? id[4..] : start.Name,
            start.Status,
            now,
            null,
            start.GitRevision ?? GitRevision.Find(start.CodeDirectory ?? Environment.CurrentDirectory),
            caller.Id);

        try
        {
            await _experiments.AddEntityAsync(new ExperimentRow { PartitionKey = TableKey.Encode(experiment), RowKey = OwnRow, Name = experiment, CreatedAt = now }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // The experiment exists already: runs only join it.
        }

        await _runs.AddEntityAsync(RunRow.From(info), cancellationToken);
        var indexKey = $"{RunIndexPrefix}{TableKey.NewestFirst(now)}|{TableKey.Encode(id)}";
        foreach (var partition in new[] { TableKey.Encode(experiment), AllRunsPartition })
        {
            await _experiments.UpsertEntityAsync(
                new ExperimentRow { PartitionKey = partition, RowKey = indexKey, Name = experiment, CreatedAt = now, RunId = id },
                TableUpdateMode.Replace,
                cancellationToken);
        }
        if (start.Params is { Count: > 0 })
        {
            await LogParamsAsync(id, start.Params, cancellationToken);
        }

        if (start.Tags is { Count: > 0 })
        {
            await SetTagsAsync(id, start.Tags, cancellationToken);
        }

        foreach (var input in start.Inputs ?? [])
        {
            await LogInputAsync(id, input.DatasetId, input.Context, cancellationToken);
        }

        return info;
    }

    /// <summary>Starts a run and returns a handle that buffers metrics and ends the run when disposed.</summary>
    public async Task<TrackedRun> StartTrackedRunAsync(string experiment, RunStart? start = null, CancellationToken cancellationToken = default) =>
        new(this, await StartRunAsync(experiment, start, cancellationToken));

    /// <summary>Logs params. A param is set once: logging it again with another value is an error, as in MLflow.</summary>
    public async Task LogParamsAsync(string runId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        await RequireRunAsync(runId, cancellationToken);
        var existing = await RowsAsync(runId, "param|", cancellationToken);
        var actions = new List<TableTransactionAction>();
        foreach (var (key, value) in parameters)
        {
            ValidateName(key, "param name");
            ArgumentNullException.ThrowIfNull(value);
            if (existing.TryGetValue(key, out var logged))
            {
                if (logged != value)
                {
                    throw LlmOpsException.Conflict($"Param '{key}' of {runId} is already '{logged}'; params are set once per run (start a new run to try '{value}').");
                }

                continue;
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new RunEntryRow { PartitionKey = TableKey.Encode(runId), RowKey = "param|" + TableKey.Encode(key), Key = key, Value = value }));
        }

        await SubmitAsync(_runs, actions, cancellationToken);
    }

    public Task LogParamAsync(string runId, string key, string value, CancellationToken cancellationToken = default) =>
        LogParamsAsync(runId, new Dictionary<string, string> { [key] = value }, cancellationToken);

    /// <summary>Sets tags; unlike params, a tag can be changed.</summary>
    public async Task SetTagsAsync(string runId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        await RequireRunAsync(runId, cancellationToken);
        var actions = tags.Select(tag =>
        {
            ValidateName(tag.Key, "tag name");
            return new TableTransactionAction(TableTransactionActionType.UpsertReplace, new RunEntryRow { PartitionKey = TableKey.Encode(runId), RowKey = "tag|" + TableKey.Encode(tag.Key), Key = tag.Key, Value = tag.Value ?? "" });
        }).ToList();
        await SubmitAsync(_runs, actions, cancellationToken);
    }

    /// <summary>Records that the run read <paramref name="datasetId"/>, and the lineage edge dataset -> run (evaluated_on for evaluation).</summary>
    public async Task LogInputAsync(string runId, string datasetId, string context = RunInput.Training, CancellationToken cancellationToken = default)
    {
        LineageIds.Validate(datasetId);
        ValidateName(context, "input context");
        var info = await RequireRunAsync(runId, cancellationToken);
        await _runs.UpsertEntityAsync(
            new RunEntryRow { PartitionKey = TableKey.Encode(runId), RowKey = $"input|{TableKey.Encode(datasetId)}|{TableKey.Encode(context)}", DatasetId = datasetId, Context = context },
            TableUpdateMode.Replace,
            cancellationToken);
        var relation = context == RunInput.Evaluation ? LineageRelation.EvaluatedOn : LineageRelation.Used;
        await lineage.RecordAsync(
            new LineageEvent(
                $"llmops.experiment/{info.Experiment}",
                RunGuid(runId),
                relation,
                [new LineageDataset(datasetId)],
                [new LineageDataset(runId, new Dictionary<string, string> { ["experiment"] = info.Experiment, ["name"] = info.Name })],
                new Dictionary<string, string> { ["context"] = context }),
            cancellationToken);
    }

    public Task LogMetricAsync(string runId, string key, double value, long step = 0, CancellationToken cancellationToken = default) =>
        LogMetricsAsync(runId, [new MetricPoint(key, value, step, clock.GetUtcNow())], cancellationToken);

    /// <summary>Logs metric points in table transactions of 100 (one partition per run, so every batch is legal in Azure).</summary>
    public async Task LogMetricsAsync(string runId, IEnumerable<MetricPoint> points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        await RequireRunAsync(runId, cancellationToken);
        var partition = TableKey.Encode(runId);
        var rows = new Dictionary<string, MetricRow>(StringComparer.Ordinal);
        foreach (var point in points)
        {
            ValidateName(point.Key, "metric name");
            if (!double.IsFinite(point.Value))
            {
                throw LlmOpsException.Invalid($"Metric '{point.Key}' at step {point.Step} is {point.Value}; only finite values can be logged.");
            }

            if (point.Step < 0)
            {
                throw LlmOpsException.Invalid($"Metric '{point.Key}' has step {point.Step}; steps start at 0.");
            }

            var rowKey = MetricRowKey(point);
            rows[rowKey] = new MetricRow { PartitionKey = partition, RowKey = rowKey, Key = point.Key, Value = point.Value, Step = point.Step, LoggedAt = point.Timestamp };
        }

        var batches = rows.Values.Chunk(MetricBatchSize).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (batch, ct) =>
            await _metrics.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), ct));
    }

    /// <summary>Every point of one metric, by step then time.</summary>
    public async Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        ValidateName(key, "metric name");
        var prefix = TableKey.Encode(key) + "|";
        var points = new List<MetricPoint>();
        await foreach (var row in _metrics.QueryAsync<MetricRow>(TableKey.PrefixFilter(TableKey.Encode(runId), prefix), cancellationToken: cancellationToken))
        {
            points.Add(row.ToPoint());
        }

        return points;
    }

    /// <summary>Ends the run with <paramref name="status"/> (Finished, Failed or Killed) and stamps its end time.</summary>
    public async Task<RunInfo> EndRunAsync(string runId, RunStatus status = RunStatus.Finished, CancellationToken cancellationToken = default)
    {
        if (status is RunStatus.Running or RunStatus.Scheduled)
        {
            throw LlmOpsException.Invalid("A run ends as Finished, Failed or Killed.");
        }

        var info = await RequireRunAsync(runId, cancellationToken) with { Status = status, EndTime = clock.GetUtcNow() };
        await _runs.UpdateEntityAsync(RunRow.From(info), ETag.All, TableUpdateMode.Replace, cancellationToken);
        return info;
    }

    /// <summary>Stores an artifact under the run (artifacts/{run}/{path}), replacing one of the same path.</summary>
    public async Task<string> LogArtifactAsync(string runId, string path, BinaryData content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var blobName = ArtifactBlobName(runId, path);
        await RequireRunAsync(runId, cancellationToken);
        var container = storage.Container(StorageNames.ArtifactsContainer);
        await container.GetBlobClient(blobName).UploadAsync(content, overwrite: true, cancellationToken);
        return $"{StorageNames.ArtifactsContainer}/{blobName}";
    }

    public async Task<BinaryData> ReadArtifactAsync(string runId, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await storage.Container(StorageNames.ArtifactsContainer).GetBlobClient(ArtifactBlobName(runId, path)).DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw LlmOpsException.NotFound($"{runId} has no artifact '{path}'.", ex);
        }
    }

    /// <summary>The run with everything logged to it, or null.</summary>
    public async Task<RunDetails?> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var info = await FindRunAsync(runId, cancellationToken);
        if (info is null)
        {
            return null;
        }

        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var inputs = new List<RunInput>();
        await foreach (var row in _runs.QueryAsync<RunEntryRow>(e => e.PartitionKey == TableKey.Encode(runId) && e.RowKey != InfoRow, cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith("param|", StringComparison.Ordinal))
            {
                parameters[row.Key ?? ""] = row.Value ?? "";
            }
            else if (row.RowKey.StartsWith("tag|", StringComparison.Ordinal))
            {
                tags[row.Key ?? ""] = row.Value ?? "";
            }
            else if (row.RowKey.StartsWith("input|", StringComparison.Ordinal))
            {
                inputs.Add(new RunInput(row.DatasetId ?? "", row.Context ?? ""));
            }
        }

        var latest = new SortedDictionary<string, MetricPoint>(StringComparer.Ordinal);
        await foreach (var row in _metrics.QueryAsync<MetricRow>(e => e.PartitionKey == TableKey.Encode(runId), cancellationToken: cancellationToken))
        {
            // Rows sort by key, step, then time, so the last row of a key is its latest value (MLflow: highest step, then newest).
            var point = row.ToPoint();
            latest[point.Key] = point;
        }

        var artifacts = new List<string>();
        var container = storage.Container(StorageNames.ArtifactsContainer);
        if (await container.ExistsAsync(cancellationToken))
        {
            var prefix = ArtifactBlobName(runId, "x")[..^1];
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                artifacts.Add(blob.Name[prefix.Length..]);
            }
        }

        return new RunDetails(info, parameters, tags, inputs, latest, artifacts);
    }

    /// <summary>
    /// The runs of <paramref name="experiment"/> (or of every experiment), newest first, page by page: each page of index
    /// rows is resolved to run infos in parallel, then yielded in order.
    /// </summary>
    public async IAsyncEnumerable<RunInfo> ListRunsAsync(string? experiment = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in RunIndex(experiment, cancellationToken).AsPages())
        {
            foreach (var info in await FindRunsAsync([.. page.Values.Where(r => Indexes(r, experiment)).Select(r => r.RunId!)], cancellationToken))
            {
                yield return info;
            }
        }
    }

    /// <summary>
    /// The newest <paramref name="limit"/> runs of <paramref name="experiment"/> (or of every experiment) and how many
    /// there are: the count comes from the index rows alone, and only the runs returned are read.
    /// </summary>
    public async Task<(IReadOnlyList<RunInfo> Runs, int Total)> NewestRunsAsync(string? experiment, int limit, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        var total = 0;
        await foreach (var row in RunIndex(experiment, cancellationToken))
        {
            if (Indexes(row, experiment) && total++ < limit)
            {
                ids.Add(row.RunId!);
            }
        }

        return (await FindRunsAsync(ids, cancellationToken), total);
    }

    /// <summary>The index rows of <paramref name="experiment"/>'s runs (or of every run), newest first.</summary>
    private AsyncPageable<ExperimentRow> RunIndex(string? experiment, CancellationToken cancellationToken) =>
        _experiments.QueryAsync<ExperimentRow>(
            TableKey.PrefixFilter(experiment is null ? AllRunsPartition : TableKey.Encode(experiment), RunIndexPrefix),
            select: [nameof(ExperimentRow.Name), nameof(ExperimentRow.RunId)],
            cancellationToken: cancellationToken);

    private static bool Indexes(ExperimentRow row, string? experiment) => row.RunId is not null && (experiment is null || row.Name == experiment);

    /// <summary>The runs of <paramref name="ids"/>, read in parallel, in their order (a run gone meanwhile is left out).</summary>
    private async Task<IReadOnlyList<RunInfo>> FindRunsAsync(List<string> ids, CancellationToken cancellationToken)
    {
        var infos = new RunInfo?[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            infos[i] = await FindRunAsync(ids[i], ct));
        return [.. infos.OfType<RunInfo>()];
    }

    /// <summary>Every experiment with its run count, by name (the table's order), page by page.</summary>
    public async IAsyncEnumerable<ExperimentInfo> ListExperimentsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _experiments.QueryAsync<ExperimentRow>(e => e.RowKey == OwnRow, cancellationToken: cancellationToken))
        {
            var runs = 0;
            await foreach (var _ in _experiments.QueryAsync<ExperimentRow>(
                TableKey.PrefixFilter(row.PartitionKey, RunIndexPrefix),
                select: [nameof(ExperimentRow.RunId)],
                cancellationToken: cancellationToken))
            {
                runs++;
            }

            yield return new ExperimentInfo(row.Name, row.CreatedAt, runs);
        }
    }

    /// <summary>The run's info, or a clear <see cref="KeyNotFoundException"/>.</summary>
    public async Task<RunInfo> RequireRunAsync(string runId, CancellationToken cancellationToken = default) =>
        await FindRunAsync(runId, cancellationToken) ?? throw LlmOpsException.NotFound($"No run {runId}. Try `llmops runs list`.");

    /// <summary>The OpenLineage run id of a tracking run: its ULID as a UUID.</summary>
    public static Guid RunGuid(string runId) => Ulid.TryParse(runId.AsSpan(4), out var ulid) ? ulid.ToGuid() : LineageIds.StableRunId(runId);

    internal static string MetricRowKey(MetricPoint point) =>
        $"{TableKey.Encode(point.Key)}|{point.Step.ToString("D19", CultureInfo.InvariantCulture)}|{point.Timestamp.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}";

    private async Task<RunInfo?> FindRunAsync(string runId, CancellationToken cancellationToken)
    {
        ValidateRunId(runId);
        var row = await _runs.GetEntityIfExistsAsync<RunRow>(TableKey.Encode(runId), InfoRow, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.ToInfo() : null;
    }

    private async Task<Dictionary<string, string>> RowsAsync(string runId, string prefix, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in _runs.QueryAsync<RunEntryRow>(TableKey.PrefixFilter(TableKey.Encode(runId), prefix), cancellationToken: cancellationToken))
        {
            rows[row.Key ?? ""] = row.Value ?? "";
        }

        return rows;
    }

    private static async Task SubmitAsync(TableClient table, List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        foreach (var batch in actions.Chunk(MetricBatchSize))
        {
            await table.SubmitTransactionAsync(batch, cancellationToken);
        }
    }

    private static string ArtifactBlobName(string runId, string path)
    {
        ValidateRunId(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var clean = path.Replace('\\', '/').Trim('/');
        if (clean.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw LlmOpsException.Invalid($"Artifact path '{path}' must be relative, without empty, '.' or '..' segments.");
        }

        return $"{runId[4..]}/{clean}";
    }

    private static void ValidateRunId(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (!runId.StartsWith("run:", StringComparison.Ordinal) || runId.Length < 5)
        {
            throw LlmOpsException.Invalid($"'{runId}' is not a run id (run:<ULID>, e.g. run:01JD3ZK1M8Q5X2...).");
        }
    }

    private static void ValidateName(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern().IsMatch(name))
        {
            throw LlmOpsException.Invalid($"'{name}' is not a valid {what}: use 1-250 letters, digits, '_', '-', '.', ' ', ':' or '/'.");
        }
    }

    [GeneratedRegex(@"^[\w\-. :/]{1,250}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
