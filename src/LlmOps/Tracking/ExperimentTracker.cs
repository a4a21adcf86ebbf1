using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using LlmOps.Errors;
using LlmOps.Lineage;
using LlmOps.Storage;

namespace LlmOps.Tracking;

/// <summary>
/// Experiment tracking on MLflow's model, in Tables and blobs. Tables: <c>experiments</c> (a partition per experiment:
/// its row plus an index row per run), <c>runs</c> (a partition per run: info, params, tags, inputs) and
/// <c>runmetrics</c> (a partition per run, a row per point, written in transactions of 100). Artifacts go to the
/// <c>artifacts</c> container under the run's id. Inputs become lineage edges dataset -> run.
/// </summary>
public sealed partial class ExperimentTracker(StorageAccount storage, LineageStore lineage, TimeProvider clock)
{
    public const int MetricBatchSize = 100;
    private const string InfoRow = "run";
    private const string ExperimentRow = "experiment";
    private readonly TableClient _experiments = storage.Table(StorageNames.ExperimentsTable);
    private readonly TableClient _runs = storage.Table(StorageNames.RunsTable);
    private readonly TableClient _metrics = storage.Table(StorageNames.RunMetricsTable);

    /// <summary>Starts a run in <paramref name="experiment"/> (created on first use) with status RUNNING.</summary>
    public async Task<RunInfo> StartRunAsync(string experiment, RunStart? start = null, CancellationToken cancellationToken = default)
    {
        ValidateName(experiment, "experiment name");
        start ??= new RunStart();
        var now = clock.GetUtcNow();
        var id = "run:" + Ulid.NewUlid(now).ToString();
        var info = new RunInfo(
            id,
            experiment,
            string.IsNullOrWhiteSpace(start.Name) ? id[4..] : start.Name,
            RunStatus.Running,
            now,
            null,
            start.GitRevision ?? GitRevision.Find(start.CodeDirectory ?? Environment.CurrentDirectory),
            Environment.UserName);

        await _experiments.UpsertEntityAsync(new TableEntity(TableKey.Encode(experiment), ExperimentRow) { ["Name"] = experiment }, TableUpdateMode.Merge, cancellationToken);
        await _experiments.UpsertEntityAsync(new TableEntity(TableKey.Encode(experiment), "run|" + id) { ["RunId"] = id, ["StartTime"] = now }, TableUpdateMode.Replace, cancellationToken);
        await _runs.AddEntityAsync(ToEntity(info), cancellationToken);
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

            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(TableKey.Encode(runId), "param|" + TableKey.Encode(key)) { ["Key"] = key, ["Value"] = value }));
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
            return new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(TableKey.Encode(runId), "tag|" + TableKey.Encode(tag.Key)) { ["Key"] = tag.Key, ["Value"] = tag.Value ?? "" });
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
            new TableEntity(TableKey.Encode(runId), $"input|{TableKey.Encode(datasetId)}|{TableKey.Encode(context)}") { ["DatasetId"] = datasetId, ["Context"] = context },
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
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
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
            rows[rowKey] = new TableEntity(partition, rowKey) { ["Key"] = point.Key, ["Value"] = point.Value, ["Step"] = point.Step, ["Timestamp"] = point.Timestamp };
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
        await foreach (var row in _metrics.QueryAsync<TableEntity>(
            e => e.PartitionKey == TableKey.Encode(runId) && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(prefix + "~") < 0, cancellationToken: cancellationToken))
        {
            points.Add(ToPoint(row));
        }

        return points;
    }

    /// <summary>Ends the run with <paramref name="status"/> (Finished, Failed or Killed) and stamps its end time.</summary>
    public async Task<RunInfo> EndRunAsync(string runId, RunStatus status = RunStatus.Finished, CancellationToken cancellationToken = default)
    {
        if (status == RunStatus.Running)
        {
            throw LlmOpsException.Invalid("A run ends as Finished, Failed or Killed.");
        }

        var info = await RequireRunAsync(runId, cancellationToken) with { Status = status, EndTime = clock.GetUtcNow() };
        await _runs.UpdateEntityAsync(ToEntity(info), ETag.All, TableUpdateMode.Replace, cancellationToken);
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
        await foreach (var row in _runs.QueryAsync<TableEntity>(e => e.PartitionKey == TableKey.Encode(runId), cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith("param|", StringComparison.Ordinal))
            {
                parameters[row.GetString("Key")] = row.GetString("Value");
            }
            else if (row.RowKey.StartsWith("tag|", StringComparison.Ordinal))
            {
                tags[row.GetString("Key")] = row.GetString("Value");
            }
            else if (row.RowKey.StartsWith("input|", StringComparison.Ordinal))
            {
                inputs.Add(new RunInput(row.GetString("DatasetId"), row.GetString("Context")));
            }
        }

        var latest = new SortedDictionary<string, MetricPoint>(StringComparer.Ordinal);
        await foreach (var row in _metrics.QueryAsync<TableEntity>(e => e.PartitionKey == TableKey.Encode(runId), cancellationToken: cancellationToken))
        {
            // Rows sort by key, step, then time, so the last row of a key is its latest value (MLflow: highest step, then newest).
            var point = ToPoint(row);
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

    /// <summary>The runs of <paramref name="experiment"/> (or of every experiment), newest first.</summary>
    public async Task<IReadOnlyList<RunInfo>> ListRunsAsync(string? experiment = null, CancellationToken cancellationToken = default)
    {
        var runs = new ConcurrentBag<RunInfo>();
        if (experiment is null)
        {
            await foreach (var row in _runs.QueryAsync<TableEntity>(e => e.RowKey == InfoRow, cancellationToken: cancellationToken))
            {
                runs.Add(ToInfo(row));
            }
        }
        else
        {
            var ids = new List<string>();
            await foreach (var row in _experiments.QueryAsync<TableEntity>(e => e.PartitionKey == TableKey.Encode(experiment), cancellationToken: cancellationToken))
            {
                if (row.RowKey.StartsWith("run|", StringComparison.Ordinal))
                {
                    ids.Add(row.GetString("RunId"));
                }
            }

            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (id, ct) =>
            {
                if (await FindRunAsync(id, ct) is { } info)
                {
                    runs.Add(info);
                }
            });
        }

        return [.. runs.OrderByDescending(r => r.Id, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<ExperimentInfo>> ListExperimentsAsync(CancellationToken cancellationToken = default)
    {
        var experiments = new Dictionary<string, (DateTimeOffset Created, int Runs)>(StringComparer.Ordinal);
        await foreach (var row in _experiments.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            var name = Uri.UnescapeDataString(row.PartitionKey);
            var (created, count) = experiments.GetValueOrDefault(name, (DateTimeOffset.MaxValue, 0));
            experiments[name] = row.RowKey == ExperimentRow
                ? (row.Timestamp ?? created, count)
                : (Min(created, row.GetDateTimeOffset("StartTime") ?? created), count + 1);
        }

        return [.. experiments.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new ExperimentInfo(e.Key, e.Value.Created, e.Value.Runs))];

        static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
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
        var row = await _runs.GetEntityIfExistsAsync<TableEntity>(TableKey.Encode(runId), InfoRow, cancellationToken: cancellationToken);
        return row.HasValue ? ToInfo(row.Value!) : null;
    }

    private async Task<Dictionary<string, string>> RowsAsync(string runId, string prefix, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in _runs.QueryAsync<TableEntity>(
            e => e.PartitionKey == TableKey.Encode(runId) && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(prefix + "~") < 0, cancellationToken: cancellationToken))
        {
            rows[row.GetString("Key")] = row.GetString("Value");
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

    private static TableEntity ToEntity(RunInfo info) => new(TableKey.Encode(info.Id), InfoRow)
    {
        ["Id"] = info.Id,
        ["Experiment"] = info.Experiment,
        ["Name"] = info.Name,
        ["Status"] = info.Status.ToString().ToUpperInvariant(),
        ["StartTime"] = info.StartTime,
        ["EndTime"] = info.EndTime,
        ["GitRevision"] = info.GitRevision,
        ["User"] = info.User,
    };

    private static RunInfo ToInfo(TableEntity row) => new(
        row.GetString("Id"),
        row.GetString("Experiment"),
        row.GetString("Name"),
        Enum.Parse<RunStatus>(row.GetString("Status"), ignoreCase: true),
        row.GetDateTimeOffset("StartTime") ?? default,
        row.GetDateTimeOffset("EndTime"),
        row.GetString("GitRevision"),
        row.GetString("User") ?? "");

    private static MetricPoint ToPoint(TableEntity row) =>
        new(row.GetString("Key"), row.GetDouble("Value") ?? double.NaN, row.GetInt64("Step") ?? 0, row.GetDateTimeOffset("Timestamp") ?? default);


    [GeneratedRegex(@"^[\w\-. :/]{1,250}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
