namespace LlmOps.LocalHost;

/// <summary>Settings of the local host itself. Bound from <c>LlmOps:Host</c>.</summary>
public sealed class LocalHostOptions
{
    public const string SectionName = "LlmOps:Host";

    /// <summary>Names this instance in logs and lease diagnostics.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How often blob containers are scanned for new blob versions.</summary>
    public TimeSpan BlobPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How far the host's clock may be from the storage server's. A blob trigger sweep skips blobs last modified before
    /// its watermark (settled history); blobs modified this close to a sweep's start are checked again. At least 1 s,
    /// as blob last-modified times are whole seconds.
    /// </summary>
    public TimeSpan BlobScanClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Blobs listed per poll of a blob trigger: a poll lists one page and the next poll continues the sweep, so the
    /// cost of a poll does not grow with the container (Azure lists at most 5,000 per page).
    /// </summary>
    public int BlobScanPageSize { get; set; } = 5000;

    /// <summary>Blob lease on a receipt or a timer lock; renewed at a third of it. Azure allows 15 to 60 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a dequeued message stays invisible while its handler runs; renewed at a third of it.</summary>
    public TimeSpan QueueProcessingVisibility { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a host that is not the timer singleton tries to become it.</summary>
    public TimeSpan TimerLockRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Age past which a staged dataset part is deleted (as the lifecycle rule delete-staged-parts does in Azure): only a
    /// run killed for good leaves one that old.
    /// </summary>
    public TimeSpan StagedPartsExpiry { get; set; } = LlmOps.Datasets.PartStaging.Expiry;

    /// <summary>How often the host looks for expired staged parts (also once at start).</summary>
    public TimeSpan StagedPartsSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Loopback port for HTTP functions; 0 picks a free one.</summary>
    public int HttpPort { get; set; } = 7071;

    /// <summary>Largest HTTP request body accepted; larger ones get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>How long a stop waits for running handlers before cancelling them (their input is kept for a retry).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Path of host.json; empty uses the one beside the host binary, then the defaults.</summary>
    public string? HostJsonPath { get; set; }

    /// <summary>The Functions app the host runs (its LlmOps.Functions.dll); empty: the build of functions/LlmOps.Functions.</summary>
    public string? WorkerPath { get; set; }

    /// <summary>Loopback port of the FunctionRpc (gRPC) endpoint the worker connects to; 0 picks a free one.</summary>
    public int WorkerRpcPort { get; set; }

    /// <summary>How long a worker may take from process start to loaded functions, and an invocation may wait for one.</summary>
    public TimeSpan WorkerStartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the worker is sent a status request.</summary>
    public TimeSpan WorkerStatusInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A worker that leaves a status request unanswered this long is hung: it is killed and replaced.</summary>
    public TimeSpan WorkerHangTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The grace period WorkerTerminate gives the worker at a stop before it is killed.</summary>
    public TimeSpan WorkerTerminateGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait before a worker that died is started again (the wait doubles from 1 s).</summary>
    public TimeSpan WorkerMaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fixed keys (for scripts and tests); when empty, keys are created once and kept in storage.</summary>
    public string? MasterKey { get; set; }

    public string? FunctionKey { get; set; }

    internal void Validate()
    {
        if (BlobPollInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:BlobPollInterval must be positive.");
        }

        if (BlobScanPageSize is < 1 or > 5000)
        {
            throw new InvalidOperationException($"{SectionName}:BlobScanPageSize must be from 1 to 5000 (Azure's listing limit), got {BlobScanPageSize}.");
        }

        if (BlobScanClockSkew < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"{SectionName}:BlobScanClockSkew must be at least 1 second (blob last-modified times are whole seconds), got {BlobScanClockSkew}.");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(15) || LeaseDuration > TimeSpan.FromSeconds(60))
        {
            throw new InvalidOperationException($"{SectionName}:LeaseDuration must be from 15 to 60 seconds (Azure's blob lease limits), got {LeaseDuration}.");
        }

        if (StagedPartsExpiry < TimeSpan.Zero || StagedPartsSweepInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{SectionName}:StagedPartsExpiry must not be negative and {SectionName}:StagedPartsSweepInterval must be positive.");
        }

        if (QueueProcessingVisibility < TimeSpan.FromSeconds(3))
        {
            throw new InvalidOperationException($"{SectionName}:QueueProcessingVisibility must be at least 3 seconds.");
        }

        if (WorkerStartTimeout <= TimeSpan.Zero || WorkerStatusInterval <= TimeSpan.Zero || WorkerHangTimeout <= TimeSpan.Zero || WorkerTerminateGrace < TimeSpan.Zero || WorkerMaxRestartDelay < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"{SectionName}:WorkerStartTimeout, WorkerStatusInterval and WorkerHangTimeout must be positive, WorkerTerminateGrace not negative and WorkerMaxRestartDelay at least 1 second.");
        }

        if (WorkerRpcPort is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{SectionName}:WorkerRpcPort must be from 0 to 65535, got {WorkerRpcPort}.");
        }

        if (HttpPort is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{SectionName}:HttpPort must be from 0 to 65535, got {HttpPort}.");
        }
    }
}
