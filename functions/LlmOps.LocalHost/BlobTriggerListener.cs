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
/// (ETag) under a leased receipt, and after host.json's poisonBlobThreshold failed attempts puts a message on
/// blob-poison (at once for a dead-letter outcome). The blob itself is never moved or deleted.
/// </summary>
public sealed class BlobTriggerListener : TriggerListener
{
    private readonly StorageAccount _storage;
    private readonly BlobReceiptStore _receipts;
    private readonly LocalHostOptions _options;
    private readonly HostJsonSettings _hostJson;
    private readonly HostDiagnostics _diagnostics;
    private readonly DeadLetters _deadLetters;
    private readonly BlobPathPattern _pattern;
    private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
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
        ILogger<BlobTriggerListener> logger)
        : base(function, services, options.ShutdownTimeout, logger)
    {
        _storage = storage;
        _receipts = receipts;
        _options = options;
        _hostJson = hostJson;
        _diagnostics = diagnostics;
        _deadLetters = deadLetters;
        _pattern = BlobPathPattern.Parse(function.Target);
        _slots = new SemaphoreSlim(hostJson.BlobMaxDegreeOfParallelism);
    }

    protected override void DisposeCore() => _slots.Dispose();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var container = _storage.Container(_pattern.Container);
        try
        {
            await _receipts.EnsureContainerAsync(stoppingToken);
            await container.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
            await _storage.Queue(StorageNames.BlobPoisonQueue).CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        Logger.LogInformation("Blob trigger {Function} watches {Path}", Function.Name, _pattern);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScanAsync(container, stoppingToken);
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

            if (!await DelayAsync(_options.BlobPollInterval, stoppingToken))
            {
                break;
            }
        }

        await Task.WhenAll(_running.Values);
    }

    private async Task ScanAsync(Azure.Storage.Blobs.BlobContainerClient container, CancellationToken stoppingToken)
    {
        var candidates = new List<BlobTriggerInput>();
        var listing = container.GetBlobsAsync(new GetBlobsOptions { Prefix = _pattern.Prefix.Length == 0 ? null : _pattern.Prefix }, stoppingToken);
        await foreach (var item in listing)
        {
            var bindings = _pattern.Match(item.Name);
            if (bindings is null || item.Properties.ETag is not { } etag)
            {
                continue;
            }

            // Listings give ETags bare, properties and events quoted: use the quoted form everywhere.
            var version = new ETag($"\"{etag.ToString().Trim('"')}\"");
            var input = new BlobTriggerInput(_pattern.Container, item.Name, version, bindings);
            if (!_done.ContainsKey(KeyOf(input)) && !_running.ContainsKey(KeyOf(input)))
            {
                candidates.Add(input);
            }
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var settled = await _receipts.ListSettledAsync(Function.Name, _pattern.Container, stoppingToken);
        foreach (var input in candidates)
        {
            var key = KeyOf(input);
            if (settled.Contains(BlobReceiptStore.ReceiptName(Function.Name, input.Container, input.Name, input.ETag)))
            {
                _done.TryAdd(key, 0);
                continue;
            }

            await _slots.WaitAsync(stoppingToken);
            var run = Task.Run(() => ProcessAsync(input, key), CancellationToken.None);
            _running[key] = run;
            _ = run.ContinueWith(
                _ =>
                {
                    _running.TryRemove(key, out var _);
                    _slots.Release();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private static string KeyOf(BlobTriggerInput input) => $"{input.Name}\n{input.ETag}";

    private async Task ProcessAsync(BlobTriggerInput input, string key)
    {
        try
        {
            var (outcome, claim) = await _receipts.TryClaimAsync(Function.Name, input.Container, input.Name, input.ETag, HandlerStopping);
            if (outcome == BlobClaimOutcome.Done)
            {
                _done.TryAdd(key, 0);
                return;
            }

            if (claim is null)
            {
                _diagnostics.Increment(HostDiagnostics.BlobBusy, Function.Name);
                return;
            }

            await using (claim)
            {
                await RunClaimedAsync(input, key, claim);
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

    private async Task RunClaimedAsync(BlobTriggerInput input, string key, BlobReceiptClaim claim)
    {
        if (claim.Receipt.Attempts < _hostJson.PoisonBlobThreshold)
        {
            _diagnostics.Increment(HostDiagnostics.BlobInvocations, Function.Name);
            await claim.StartAttemptAsync(HandlerStopping);
            using var handlerToken = CancellationTokenSource.CreateLinkedTokenSource(HandlerStopping, claim.LeaseLost);
            try
            {
                var outcome = await InvokeAsync<IBlobTriggerHandler>((h, ct) => h.HandleAsync(input, ct), handlerToken.Token);
                if (outcome.DeadLetterReason is null)
                {
                    await claim.CompleteAsync(HandlerStopping);
                    _done.TryAdd(key, 0);
                    _diagnostics.Increment(HostDiagnostics.BlobSucceeded, Function.Name);
                    return;
                }

                // Permanent: retrying the same blob version cannot succeed, so it is poisoned now.
                _diagnostics.Increment(HostDiagnostics.BlobFailed, Function.Name);
                await claim.RecordFailureAsync("dead-lettered at once: " + outcome.DeadLetterReason, HandlerStopping);
            }
            catch (Exception ex) when (IsShutdownCancellation(ex) || (ex is OperationCanceledException && claim.LeaseLost.IsCancellationRequested))
            {
                if (!claim.LeaseLost.IsCancellationRequested)
                {
                    await RefundAsync(claim);
                }

                throw new OperationCanceledException("Handler abandoned: host stopping or lease lost.", ex, HandlerStopping);
            }
            catch (Exception ex)
            {
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
        _done.TryAdd(key, 0);
        _diagnostics.Increment(HostDiagnostics.BlobPoisoned, Function.Name);
        Logger.LogError("{Function} gave up on {Blob} after {Attempts} attempts; a message is on {Queue}: {Error}",
            Function.Name, input.Path, receipt.Attempts, StorageNames.BlobPoisonQueue, receipt.LastError);
    }
}
