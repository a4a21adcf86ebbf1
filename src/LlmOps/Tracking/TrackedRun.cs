namespace LlmOps.Tracking;

/// <summary>
/// A run as a notebook cell holds it: metrics are buffered and flushed in batches, and disposing ends the run
/// FINISHED unless it was ended already (call <see cref="EndAsync"/> with Failed on an error).
/// </summary>
public sealed class TrackedRun(ExperimentTracker tracker, RunInfo info) : IAsyncDisposable
{
    private readonly List<MetricPoint> _pending = [];
    private bool _ended;

    public RunInfo Info { get; private set; } = info;

    public string Id => Info.Id;

    public void LogMetric(string key, double value, long step = 0) =>
        _pending.Add(new MetricPoint(key, value, step, tracker.Clock.GetUtcNow()));

    public Task LogParamsAsync(IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken = default) =>
        tracker.LogParamsAsync(Id, parameters, cancellationToken);

    public Task SetTagsAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default) =>
        tracker.SetTagsAsync(Id, tags, cancellationToken);

    public Task LogInputAsync(string datasetId, string context = RunInput.Training, CancellationToken cancellationToken = default) =>
        tracker.LogInputAsync(Id, datasetId, context, cancellationToken);

    public Task<string> LogArtifactAsync(string path, BinaryData content, CancellationToken cancellationToken = default) =>
        tracker.LogArtifactAsync(Id, path, content, cancellationToken);

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_pending.Count > 0)
        {
            await tracker.LogMetricsAsync(Id, _pending, cancellationToken);
            _pending.Clear();
        }
    }

    public async Task<RunInfo> EndAsync(RunStatus status = RunStatus.Finished, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        Info = await tracker.EndRunAsync(Id, status, cancellationToken);
        _ended = true;
        return Info;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_ended)
        {
            await EndAsync();
        }
    }
}
