using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// A blob trigger: scans the container for blob versions matching the path, runs the handler once per version
/// (ETag) under a claimed receipt, and after host.json's poisonBlobThreshold failed attempts puts a message on
/// blob-poison (at once for a dead-letter outcome). The blob itself is never moved or deleted. Blobs reported by
/// <see cref="BlobWriteNotices"/> are looked up and run at once; the sweep then is the backstop that finds the rest.
/// </summary>
public sealed class BlobTriggerListener : TriggerListener
{
    private readonly StorageAccount _storage;
    private readonly BlobReceiptStore _receipts;
    private readonly LocalHostOptions _options;
    private readonly HostJsonSettings _hostJson;
    private readonly HostDiagnostics _diagnostics;
    private readonly DeadLetters _deadLetters;
    private readonly TimeProvider _clock;
    private readonly BlobPathPattern _pattern;
    private readonly BlobWriteNotices _notices;
    /// <summary>Settled (completed or poisoned) versions newer than the watermark, with their last-modified time; older ones are dropped.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _done = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots;

    public BlobTriggerListener(
        FunctionDefinition function,
        IServiceProvider services,
        StorageAccount storage,
        BlobReceiptStore receipts,
        LocalHostOptions options,
        HostJsonSettings hostJson,
        HostDiagnostics diagnostics,
        DeadLetters deadLetters,
        BlobWriteNotices notices,
        TimeProvider clock,
        ILogger<BlobTriggerListener> logger)
        : base(function, services, options.ShutdownTimeout, logger)
    {
        _storage = storage;
        _receipts = receipts;
        _options = options;
        _hostJson = hostJson;
        _diagnostics = diagnostics;
        _deadLetters = deadLetters;
        _clock = clock;
        _notices = notices;
        _pattern = BlobPathPattern.Parse(function.Target);
        _slots = new SemaphoreSlim(hostJson.BlobMaxDegreeOfParallelism);
    }

    protected override void DisposeCore() => _slots.Dispose();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var container = _storage.Container(_pattern.Container);
        try
        {
            // The watched container is the function's own (the host container and blob-poison are provisioned at start).
            await container.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        using var watch = _notices.Subscribe(container.Name);
        var watermark = await LoadWatermarkAsync(stoppingToken);
        Logger.LogInformation("Blob trigger {Function} watches {Path}", Function.Name, _pattern);
        var following = Task.WhenAll(Enumerable.Range(0, NoticeLookups).Select(_ => FollowNoticesAsync(container, watch.Names, stoppingToken)));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                watermark = await ScanAsync(container, watermark, stoppingToken);
                ReportPending(_running.Count);
                MarkListening();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A storage outage shows as RequestFailedException, HttpRequestException, AggregateException (the
                // SDK's retries gave up), a timeout...: whatever it is, the scan is tried again.
                MarkFaulted(ex);
                Logger.LogWarning(ex, "Scanning {Path} for {Function} failed; retrying", _pattern, Function.Name);
            }

            if (!await DelayAsync(PollDelay(_options.BlobPollInterval, _lastListing, LastNotice is not null), stoppingToken) || !await AwaitLullAsync(stoppingToken))
            {
                break;
            }
        }

        await following;
        await Task.WhenAll(_running.Values);
    }

    /// <summary>
    /// Reported blobs looked up at once: a lookup that found a version to run waits for a handler slot before it takes
    /// the next name, so the next versions are known when slots free up, and no claim is taken ahead of its slot (a
    /// process killed then would count an attempt against blobs it never started).
    /// </summary>
    internal const int NoticeLookups = 16;

    /// <summary>When the last notice came (<see cref="TimeProvider.GetTimestamp"/>); 0 until one has.</summary>
    private long _lastNotice;

    /// <summary>When the last notice came, null until one has: from then on the sweep is the backstop, and paced as one.</summary>
    private long? LastNotice => Interlocked.Read(ref _lastNotice) is var at and not 0 ? at : null;

    /// <summary>How long without a notice counts as a lull, and how long the backstop waits for one at most.</summary>
    internal static readonly (TimeSpan Lull, TimeSpan MostDeferred) BackstopDeferral = (TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    /// <summary>
    /// While notices stream in, the backstop's next page waits for a lull (at most <see cref="BackstopDeferral"/>'s
    /// limit, so a steady stream cannot starve it): writes being served are those the notices demonstrably report,
    /// and a listing of a large container holds the emulator's thread while it runs. False once stopping.
    /// </summary>
    private async Task<bool> AwaitLullAsync(CancellationToken stoppingToken)
    {
        var deferring = _clock.GetTimestamp();
        while (LullWait(LastNotice is { } noticed ? _clock.GetElapsedTime(noticed) : null, _clock.GetElapsedTime(deferring)) is { } wait)
        {
            if (!await DelayAsync(wait, stoppingToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How much longer the backstop waits, given the time since the last notice (null: none came) and how long it has waited; null: no longer.</summary>
    internal static TimeSpan? LullWait(TimeSpan? sinceLastNotice, TimeSpan deferredFor) =>
        sinceLastNotice is { } since && since < BackstopDeferral.Lull && deferredFor < BackstopDeferral.MostDeferred
            ? BackstopDeferral.Lull - since
            : null;

    /// <summary>
    /// Runs each reported blob that matches the path: one lookup of its current version, then the same claim and run
    /// as a swept blob. A blob gone or unreadable by now is left to the sweep.
    /// </summary>
    private async Task FollowNoticesAsync(Azure.Storage.Blobs.BlobContainerClient container, System.Threading.Channels.ChannelReader<string> names, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var name in names.ReadAllAsync(stoppingToken))
            {
                Interlocked.Exchange(ref _lastNotice, _clock.GetTimestamp());
                if (_pattern.Match(name) is not { } bindings)
                {
                    continue;
                }

                try
                {
                    var properties = (await container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: stoppingToken)).Value;
                    var input = new BlobTriggerInput(_pattern.Container, name, Quoted(properties.ETag), bindings);
                    var key = KeyOf(input);
                    if (!_done.ContainsKey(key))
                    {
                        await DispatchAsync(input, key, properties.LastModified, stoppingToken);
                    }
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // Deleted since it was written: nothing to run.
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Whatever the fault (an outage shows as several exception types), the lookups go on with the next
                    // name, and the sweep finds this one.
                    Logger.LogDebug(ex, "Could not look up reported blob {Blob} for {Function}; the sweep finds it", name, Function.Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// One poll: the next page of the current sweep of the container (a sweep is every page, in name order, each poll
    /// continuing where the last stopped), so one poll costs one listing request however long the history. A blob
    /// last modified before the watermark was settled (completed or poisoned) before this sweep began: it costs a
    /// comparison, no receipt read and no cache entry. When a sweep ends, the watermark moves up to the older of the
    /// sweep's start (less <see cref="LocalHostOptions.BlobScanClockSkew"/>) and the oldest version still unsettled,
    /// and is kept in storage, so a restarted host does not re-check its history either.
    /// </summary>
    private async Task<DateTimeOffset?> ScanAsync(Azure.Storage.Blobs.BlobContainerClient container, DateTimeOffset? watermark, CancellationToken stoppingToken)
    {
        _sweep ??= new Sweep(_clock.GetUtcNow() - _options.BlobScanClockSkew);
        var sweep = _sweep;
        var candidates = new List<(BlobTriggerInput Input, DateTimeOffset Modified)>();
        var pages = container.GetBlobsAsync(new GetBlobsOptions { Prefix = _pattern.Prefix.Length == 0 ? null : _pattern.Prefix }, stoppingToken)
            .AsPages(sweep.ContinuationToken, _options.BlobScanPageSize);
        string? next = null;
        var listing = _clock.GetTimestamp();
        await foreach (var page in pages)
        {
            _lastListing = _clock.GetElapsedTime(listing);
            foreach (var item in page.Values)
            {
                if (item.Properties.LastModified is not { } modified || item.Properties.ETag is not { } etag || modified < watermark)
                {
                    continue;
                }

                var bindings = _pattern.Match(item.Name);
                if (bindings is null)
                {
                    continue;
                }

                var input = new BlobTriggerInput(_pattern.Container, item.Name, Quoted(etag), bindings);
                var key = KeyOf(input);
                if (_done.ContainsKey(key))
                {
                    continue;
                }

                sweep.OldestUnsettled = modified < sweep.OldestUnsettled ? modified : sweep.OldestUnsettled;
                if (!_running.ContainsKey(key))
                {
                    candidates.Add((input, modified));
                }
            }

            next = string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken;
            break;
        }

        // Without a watermark (the first sweep ever) every blob is a candidate: one listing of the receipts per sweep
        // then settles the finished ones at once instead of a claim each.
        if (watermark is null && candidates.Count > 0)
        {
            sweep.Settled ??= await _receipts.ListSettledAsync(Function.Name, _pattern.Container, stoppingToken);
        }

        foreach (var (input, modified) in candidates)
        {
            var key = KeyOf(input);
            if (sweep.Settled?.Contains(BlobReceiptStore.ReceiptKey(input.Name, input.ETag)) == true)
            {
                _done.TryAdd(key, modified);
                continue;
            }

            await DispatchAsync(input, key, modified, stoppingToken);
        }

        if (next is not null)
        {
            sweep.ContinuationToken = next;
            return watermark;
        }

        _sweep = null;
        return await AdvanceWatermarkAsync(watermark, sweep.OldestUnsettled, stoppingToken);
    }

    /// <summary>
    /// Runs the version in a handler slot once one is free, unless it is already running or waiting for a slot (the
    /// sweep and a notice can both hand out the same version; only the first gets it).
    /// </summary>
    private async Task DispatchAsync(BlobTriggerInput input, string key, DateTimeOffset modified, CancellationToken stoppingToken)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(key, finished.Task))
        {
            return;
        }

        try
        {
            await _slots.WaitAsync(stoppingToken);
        }
        catch
        {
            _running.TryRemove(key, out _);
            finished.SetResult();
            throw;
        }

        var slot = new Slot(_slots);
        _ = Task.Run(() => ProcessAsync(input, key, modified, slot), CancellationToken.None).ContinueWith(
            _ =>
            {
                _running.TryRemove(key, out var _);
                slot.Release();
                finished.SetResult();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Where the current sweep stands: its start, the page to list next, the oldest unsettled version seen.</summary>
    private sealed class Sweep(DateTimeOffset start)
    {
        public string? ContinuationToken { get; set; }

        public DateTimeOffset OldestUnsettled { get; set; } = start;

        public HashSet<string>? Settled { get; set; }
    }

    private Sweep? _sweep;

    /// <summary>How long the storage service took to answer the last listing request.</summary>
    private TimeSpan _lastListing;

    /// <summary>
    /// The wait before the next poll: the poll interval, or as long as the last listing took when that was longer (nine
    /// times as long when notices report the writes and the sweep is only the backstop). A listing's cost grows with
    /// the container on Azurite (it filters and sorts every blob of the container on each request, about 0.2 s at
    /// 100,000 blobs even for an empty page and 1.4 s for a full one, and the emulator serves nothing else meanwhile),
    /// so a host polling a large container back to back would keep the emulator busy listing; this way listing takes
    /// at most half of it, or a tenth.
    /// </summary>
    internal static TimeSpan PollDelay(TimeSpan interval, TimeSpan lastListing, bool backstop)
    {
        var paced = backstop ? lastListing * 9 : lastListing;
        return paced > interval ? paced : interval;
    }

    /// <summary>
    /// One of the maxDegreeOfParallelism handler slots, given back once: as soon as the handler returns (its receipt
    /// is then written while the next handler starts), or when the run ends whichever way.
    /// </summary>
    private sealed class Slot(SemaphoreSlim slots)
    {
        private int _released;

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }

    /// <summary>Listings give ETags bare, properties and events quoted: the quoted form is used everywhere (receipts included).</summary>
    internal static ETag Quoted(ETag etag) => new($"\"{etag.ToString().Trim('"')}\"");

    private static string KeyOf(BlobTriggerInput input) => $"{input.Name}\n{input.ETag}";

    private static readonly TimeSpan WatermarkPersistStep = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _persistedWatermark;

    /// <summary>Where the watermark of a function and container is kept, so a restart resumes it.</summary>
    internal static string WatermarkBlobName(string function, string container) => $"blobscans/{function}/{container}.json";

    private async Task<DateTimeOffset?> LoadWatermarkAsync(CancellationToken cancellationToken)
    {
        try
        {
            _persistedWatermark = (await _storage.Container(StorageNames.HostContainer).GetBlobClient(WatermarkBlobName(Function.Name, _pattern.Container))
                .ReadAsync<ScanWatermark>(cancellationToken))?.SettledBefore;
            return _persistedWatermark;
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or System.Text.Json.JsonException)
        {
            Logger.LogWarning(ex, "Could not read the scan watermark of {Function}; the first sweep checks every blob", Function.Name);
            return null;
        }
    }

    private async Task<DateTimeOffset?> AdvanceWatermarkAsync(DateTimeOffset? watermark, DateTimeOffset settledBefore, CancellationToken cancellationToken)
    {
        if (watermark is { } current && settledBefore <= current)
        {
            return watermark;
        }

        // Kept in storage when it moved by a persist step (not on every 200 ms sweep); a stored watermark that lags is
        // only conservative: a restart checks a little more than it needs to.
        if (_persistedWatermark is not { } persisted || settledBefore - persisted >= WatermarkPersistStep)
        {
            await _storage.Container(StorageNames.HostContainer).GetBlobClient(WatermarkBlobName(Function.Name, _pattern.Container))
                .UploadAsync(BinaryData.FromObjectAsJson(new ScanWatermark(settledBefore), JsonSerializerOptions.Web), overwrite: true, cancellationToken);
            _persistedWatermark = settledBefore;
        }

        // The cache only needs what the listing still shows as a candidate: versions at or after the watermark.
        foreach (var (key, modified) in _done)
        {
            if (modified < settledBefore)
            {
                _done.TryRemove(key, out _);
            }
        }

        return settledBefore;
    }

    /// <summary>Every version of the container last modified before <paramref name="SettledBefore"/> is completed or poisoned.</summary>
    internal sealed record ScanWatermark(DateTimeOffset SettledBefore);

    private async Task ProcessAsync(BlobTriggerInput input, string key, DateTimeOffset modified, Slot slot)
    {
        try
        {
            var (outcome, claim) = await _receipts.TryClaimAsync(Function.Name, input.Container, input.Name, input.ETag, _hostJson.PoisonBlobThreshold, HandlerStopping);
            if (outcome == BlobClaimOutcome.Done)
            {
                _done.TryAdd(key, modified);
                return;
            }

            if (claim is null)
            {
                _diagnostics.Increment(HostDiagnostics.BlobBusy, Function.Name);
                return;
            }

            await using (claim)
            {
                await RunClaimedAsync(input, key, modified, claim, slot);
            }
        }
        catch (Exception ex) when (IsShutdownCancellation(ex))
        {
            // Stopping: the receipt stays pending and the next host run picks the blob up.
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            Logger.LogWarning(ex, "Storage fault while tracking {Blob} for {Function}; the next scan retries", input.Path, Function.Name);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A damaged receipt, say: never silent, and the scan goes on with the other blobs.
            Logger.LogError(ex, "Could not track {Blob} for {Function}; the next scan retries", input.Path, Function.Name);
        }
    }

    private async Task RefundAsync(BlobReceiptClaim claim)
    {
        try
        {
            await claim.RefundAttemptAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException)
        {
            Logger.LogDebug(ex, "Could not give back the abandoned attempt of {Function}; it stays counted", Function.Name);
        }
    }

    private async Task RunClaimedAsync(BlobTriggerInput input, string key, DateTimeOffset modified, BlobReceiptClaim claim, Slot slot)
    {
        if (claim.AttemptsBefore < _hostJson.PoisonBlobThreshold)
        {
            _diagnostics.Increment(HostDiagnostics.BlobInvocations, Function.Name);
            using var handlerToken = CancellationTokenSource.CreateLinkedTokenSource(HandlerStopping, claim.LeaseLost);
            using var invocation = StartInvocation(input.Path, claim.AttemptsBefore + 1);
            invocation.BlobWritten(modified);
            try
            {
                var outcome = HandlerOutcome.Done;
                if (Worker is null)
                {
                    outcome = await InvokeAsync<IBlobTriggerHandler>((h, ct) => h.HandleAsync(input, ct), handlerToken.Token);
                }
                else
                {
                    // The app's adapter dead-letters a permanent failure itself and returns normally.
                    await Worker.InvokeBlobAsync(Function, input, handlerToken.Token);
                }

                if (outcome.DeadLetterReason is null)
                {
                    invocation.Succeeded();
                    // The handler is done: the next one may start while this receipt is written (the version stays in
                    // the running set until then, so no scan hands it out again).
                    slot.Release();
                    await claim.CompleteAsync(HandlerStopping);
                    _done.TryAdd(key, modified);
                    _diagnostics.Increment(HostDiagnostics.BlobSucceeded, Function.Name);
                    return;
                }

                // Permanent: retrying the same blob version cannot succeed, so it is poisoned now.
                invocation.DeadLettered(outcome.DeadLetterReason);
                _diagnostics.Increment(HostDiagnostics.BlobFailed, Function.Name);
                await claim.RecordFailureAsync("dead-lettered at once: " + outcome.DeadLetterReason, HandlerStopping);
            }
            catch (Exception ex) when (IsShutdownCancellation(ex) || (ex is OperationCanceledException && claim.LeaseLost.IsCancellationRequested))
            {
                invocation.Failed(ex);
                if (!claim.LeaseLost.IsCancellationRequested)
                {
                    await RefundAsync(claim);
                }

                throw new OperationCanceledException("Handler abandoned: host stopping or lease lost.", ex, HandlerStopping);
            }
            catch (Exception ex)
            {
                invocation.Failed(ex);
                _diagnostics.Increment(HostDiagnostics.BlobFailed, Function.Name);
                var attempts = await claim.RecordFailureAsync(BlobReceiptClaim.Describe(ex), HandlerStopping);
                Logger.LogWarning(ex, "{Function} failed on {Blob} (attempt {Attempt} of {Threshold})", Function.Name, input.Path, attempts, _hostJson.PoisonBlobThreshold);
                if (attempts < _hostJson.PoisonBlobThreshold)
                {
                    return;
                }
            }
        }

        var receipt = claim.Receipt;
        await _deadLetters.SendBlobAsync(Function.Name, input, receipt.Attempts, receipt.LastError ?? "unknown error", HandlerStopping);
        await claim.MarkPoisonedAsync(HandlerStopping);
        _done.TryAdd(key, modified);
        _diagnostics.Increment(HostDiagnostics.BlobPoisoned, Function.Name);
        Logger.LogError("{Function} gave up on {Blob} after {Attempts} attempts; a message is on {Queue}: {Error}",
            Function.Name, input.Path, receipt.Attempts, StorageNames.BlobPoisonQueue, receipt.LastError);
    }
}
