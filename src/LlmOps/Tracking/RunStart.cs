namespace LlmOps.Tracking;

/// <summary>Options of a new run. <see cref="GitRevision"/> defaults to the commit checked out around the working directory.</summary>
public sealed record RunStart
{
    public string? Name { get; init; }

    public IReadOnlyDictionary<string, string>? Params { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public IReadOnlyList<RunInput>? Inputs { get; init; }

    public string? GitRevision { get; init; }

    /// <summary>RUNNING (the default) or SCHEDULED, for a run requested to be done later.</summary>
    public RunStatus Status { get; init; } = RunStatus.Running;

    /// <summary>Where to look for the git checkout when <see cref="GitRevision"/> is not given (default: the working directory).</summary>
    public string? CodeDirectory { get; init; }
}
