using Azure;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// Holds an acquired blob lease: renews it at a third of its duration and signals <see cref="Lost"/> when a renewal
/// fails, so work done under the lease can stop before another instance takes over.
/// </summary>
internal sealed class BlobLeaseKeeper : IAsyncDisposable
{
    private readonly BlobLeaseClient _lease;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewal;
    private readonly ILogger _logger;

    private BlobLeaseKeeper(BlobLeaseClient lease, TimeSpan duration, ILogger logger)
    {
        _lease = lease;
        _logger = logger;
        _renewal = RenewalLoop.RunAsync(
            duration / 3,
            () => _lease.RenewAsync(cancellationToken: _stop.Token),
            async error =>
            {
                // Any failure to renew (a storage error, a network fault, a timeout) means the lease may lapse and
                // another instance may take the blob: the work under it must stop.
                _logger.LogWarning(error, "Lost the lease on {Blob}", _lease.Uri);
                await _lost.CancelAsync();
            },
            _stop.Token);
    }

    public string LeaseId => _lease.LeaseId;

    public CancellationToken Lost => _lost.Token;

    /// <summary>Acquires the lease, or returns null when another holder has it.</summary>
    public static async Task<BlobLeaseKeeper?> TryAcquireAsync(BlobBaseClient blob, TimeSpan duration, ILogger logger, CancellationToken cancellationToken)
    {
        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(duration, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }

        return new BlobLeaseKeeper(lease, duration, logger);
    }

    /// <summary>Stops renewing and releases the lease so the next holder need not wait for it to expire.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        try
        {
            await _lease.ReleaseAsync();
        }
        catch (RequestFailedException ex)
        {
            _logger.LogDebug(ex, "Releasing lease on {Blob} failed; it expires by itself", _lease.Uri);
        }

        _stop.Dispose();
        _lost.Dispose();
    }
}
