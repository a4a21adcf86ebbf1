using LlmOps.Storage;

namespace LlmOps.Tracking;

/// <summary>A run's own row in table <c>runs</c> (PartitionKey the run id, RowKey <c>run</c>).</summary>
public sealed class RunRow : TableRow
{
    public string Id { get; set; } = "";

    public string Experiment { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>RUNNING, FINISHED, FAILED or KILLED, as MLflow spells them.</summary>
    public string Status { get; set; } = "";

    public DateTimeOffset StartTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public string? GitRevision { get; set; }

    public string User { get; set; } = "";

    internal static RunRow From(RunInfo info) => new()
    {
        PartitionKey = TableKey.Encode(info.Id),
        RowKey = ExperimentTracker.InfoRow,
        Id = info.Id,
        Experiment = info.Experiment,
        Name = info.Name,
        Status = info.Status.ToString().ToUpperInvariant(),
        StartTime = info.StartTime,
        EndTime = info.EndTime,
        GitRevision = info.GitRevision,
        User = info.User,
    };

    internal RunInfo ToInfo() => new(Id, Experiment, Name, Enum.Parse<RunStatus>(Status, ignoreCase: true), StartTime, EndTime, GitRevision, User);
}
