using Azure;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// A blob version claimed by this instance. The receipt itself is the lock: the claim wrote it with this claim's
/// owner id, and every later write (renewals at a third of the lease duration, the outcome) is conditional on the
/// ETag of the one before, so a second instance can take the version over only once the receipt has gone unrenewed
/// for the lease duration, and then this claim's next write fails and <see cref="LeaseLost"/> fires. A claim that
/// completes costs two writes (create, complete), each shared with the concurrent claims' writes in one transaction.
/// </summary>
internal sealed class BlobReceiptClaim : IAsyncDisposable
{
    private const int MaxErrorLength = 4000;

    private readonly BlobReceiptStore _store;
    private readonly string _owner;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly bool _attemptCounted;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewal;
    private ETag _etag;
    private bool _released;

    public BlobReceiptClaim(BlobReceiptStore store, BlobReceipt receipt, ETag etag, string owner, bool attemptCounted, TimeSpan duration, TimeProvider clock, ILogger logger)
    {
        _store = store;
        _etag = etag;
        Receipt = receipt;
        _owner = owner;
        _attemptCounted = attemptCounted;
        _clock = clock;
        _logger = logger;
        // Not cancelled by disposal: a renewal cut off mid-flight could leave this claim with a stale ETag.
        _renewal = RenewalLoop.RunAsync(
            duration / 3,
            () => WriteAsync(r => r.Status == BlobReceiptStatus.Pending ? r : null, CancellationToken.None),
            async error =>
            {
                _logger.LogWarning(error, "Lost the claim on {Blob} ({ETag}) for {Function}", Receipt.Name, Receipt.ETag, Receipt.Function);
                await _lost.CancelAsync();
            },
            _stop.Token);
    }

    public BlobReceipt Receipt { get; private set; }

    /// <summary>Attempts made before this claim (the claim counted its own attempt when it wrote the receipt, unless the threshold was already reached).</summary>
    public int AttemptsBefore => Receipt.Attempts - (_attemptCounted ? 1 : 0);

    /// <summary>Fires when the claim could not be renewed: another instance may take the blob over.</summary>
    public CancellationToken LeaseLost => _lost.Token;

    public Task CompleteAsync(CancellationToken cancellationToken) =>
        WriteAsync(r => r with { Status = BlobReceiptStatus.Completed }, cancellationToken);

    /// <summary>What a receipt says while an attempt runs: if the process dies, that is what stays.</summary>
    internal static string StartedMessage(int attempt, DateTimeOffset at) =>
        $"attempt {attempt} started at {at:O} and did not finish (the host stopped or its process died)";

    /// <summary>Gives back the attempt of a run the host abandoned while stopping gracefully (its input is handed back), and the claim with it.</summary>
    public Task RefundAttemptAsync(CancellationToken cancellationToken) =>
        WriteAsync(r => r with { Attempts = Math.Max(0, r.Attempts - (_attemptCounted ? 1 : 0)) }, cancellationToken, release: true);

    /// <summary>Records why the current attempt failed and returns the attempts so far.</summary>
    public async Task<int> RecordFailureAsync(string error, CancellationToken cancellationToken)
    {
        await WriteAsync(r => r with { LastError = error.Length <= MaxErrorLength ? error : error[..MaxErrorLength] }, cancellationToken);
        return Receipt.Attempts;
    }

    public Task MarkPoisonedAsync(CancellationToken cancellationToken) =>
        WriteAsync(r => r with { Status = BlobReceiptStatus.Poisoned }, cancellationToken);

    /// <summary>Stops renewing; a receipt still pending is released (written without an owner) so the next scan need not wait out the lease.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        if (Receipt.Status == BlobReceiptStatus.Pending && !_released && !_lost.IsCancellationRequested)
        {
            try
            {
                await WriteAsync(r => r.Status == BlobReceiptStatus.Pending ? r : null, CancellationToken.None, release: true);
            }
            catch (RequestFailedException ex)
            {
                _logger.LogDebug(ex, "Releasing the claim on {Blob} ({ETag}) for {Function} failed; it lapses by itself", Receipt.Name, Receipt.ETag, Receipt.Function);
            }
        }

        _writes.Dispose();
        _stop.Dispose();
        _lost.Dispose();
    }

    internal static string Describe(Exception error)
    {
        var text = $"{error.GetType().FullName}: {error.Message}";
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }

    /// <summary>
    /// Writes the receipt <paramref name="change"/> makes of the current one (null: nothing to write), computed under the
    /// write lock, so a renewal queued behind an outcome renews the outcome instead of writing back the receipt it saw.
    /// </summary>
    private async Task WriteAsync(Func<BlobReceipt, BlobReceipt?> change, CancellationToken cancellationToken, bool release = false)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (change(Receipt) is not { } updated)
            {
                return;
            }

            updated = updated with { UpdatedAt = _clock.GetUtcNow() };
            _etag = await _store.WriteAsync(updated, release ? null : _owner, _etag, cancellationToken);
            Receipt = updated;
            _released |= release;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // The receipt changed under this claim: another instance took the version over after a lapse.
            await _lost.CancelAsync();
            throw;
        }
        finally
        {
            _writes.Release();
        }
    }
}
