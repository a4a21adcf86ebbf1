using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using LlmOps.Storage;

namespace LlmOps.Ingestion.Sharding;

/// <summary>
/// A shard (or a drop's commit) claimed by this instance: a blob lease on a claim blob, renewed at a third of its
/// duration while the work runs. An instance that is killed stops renewing, and the lease runs out: the next instance
/// that gets the task takes the shard over. The claim blob's metadata counts the attempts (a kill counts).
/// </summary>
internal sealed class ShardClaim : IAsyncDisposable
{
    private readonly BlobClient _blob;
    private readonly BlobLeaseClient _lease;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;

    private ShardClaim(BlobClient blob, BlobLeaseClient lease, TimeSpan duration)
    {
        _blob = blob;
        _lease = lease;
        _renewal = RenewAsync(duration / 3);
    }

    /// <summary>This process, as claims and receipts name it.</summary>
    public static string Host { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Takes the lease, waiting while another instance holds it for up to the lease duration and a little more (a killed
    /// holder's lease runs out in that time); null when a live holder kept renewing it, or when <paramref name="done"/>
    /// says the work was finished meanwhile.
    /// </summary>
    public static async Task<ShardClaim?> AcquireAsync(BlobClient blob, TimeSpan duration, Func<Task<bool>> done, CancellationToken cancellationToken)
    {
        await blob.TryCreateAsync(BinaryData.Empty, cancellationToken: cancellationToken);
        var lease = blob.GetBlobLeaseClient();
        var deadline = DateTimeOffset.UtcNow + duration + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                await lease.AcquireAsync(duration, cancellationToken: cancellationToken);
                return new ShardClaim(blob, lease, duration);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                if (DateTimeOffset.UtcNow > deadline || await done())
                {
                    return null;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>Counts this attempt in the claim blob's metadata and returns it (1 for the first).</summary>
    public async Task<int> CountAttemptAsync(CancellationToken cancellationToken)
    {
        var conditions = new BlobRequestConditions { LeaseId = _lease.LeaseId };
        var metadata = (await _blob.GetPropertiesAsync(conditions, cancellationToken)).Value.Metadata;
        var attempt = (metadata.TryGetValue("attempts", out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var before) ? before : 0) + 1;
        await _blob.SetMetadataAsync(
            new Dictionary<string, string> { ["attempts"] = attempt.ToString(CultureInfo.InvariantCulture), ["host"] = Uri.EscapeDataString(Host) },
            conditions, cancellationToken);
        return attempt;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        try
        {
            await _lease.ReleaseAsync();
        }
        catch (RequestFailedException)
        {
            // Lost or expired: it runs out by itself.
        }

        _stop.Dispose();
    }

    private async Task RenewAsync(TimeSpan every)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _stop.Token);
                await _lease.RenewAsync(cancellationToken: _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RequestFailedException)
            {
                // Retried at the next turn; if the lease is lost meanwhile, the receipt (written once) keeps the work single.
            }
        }
    }
}
