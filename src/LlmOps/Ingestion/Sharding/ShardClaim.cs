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

    /// <summary>1 when this claim created the claim blob with its first attempt counted and found it unchanged when leased.</summary>
    private int? _counted;

    private ShardClaim(BlobClient blob, BlobLeaseClient lease, TimeSpan duration, int? counted)
    {
        _blob = blob;
        _lease = lease;
        _counted = counted;
        _renewal = RenewAsync(duration / 3);
    }

    /// <summary>This process, as claims and receipts name it.</summary>
    public static string Host { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Takes the lease, waiting while another instance holds it for up to the lease duration and a little more (a killed
    /// holder's lease runs out in that time); null when a live holder kept renewing it, or when <paramref name="done"/>
    /// says the work was finished meanwhile. With <paramref name="countsAttempts"/>, the claim blob is created with the
    /// first attempt counted: a lease that finds it unchanged since (a lease leaves the ETag as it is) needs no count.
    /// </summary>
    public static async Task<ShardClaim?> AcquireAsync(BlobClient blob, TimeSpan duration, Func<Task<bool>> done, bool countsAttempts, CancellationToken cancellationToken)
    {
        ETag? created = null;
        try
        {
            var options = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, Metadata = countsAttempts ? Attempts(1) : null };
            created = (await blob.UploadAsync(BinaryData.Empty, options, cancellationToken)).Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Created before: by an earlier attempt, or a duplicate task.
        }

        var lease = blob.GetBlobLeaseClient();
        var deadline = DateTimeOffset.UtcNow + duration + TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                var leased = (await lease.AcquireAsync(duration, cancellationToken: cancellationToken)).Value;
                return new ShardClaim(blob, lease, duration, countsAttempts && created is { } etag && leased.ETag == etag ? 1 : null);
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
        if (_counted is { } counted)
        {
            // Counted when this claim created the blob.
            _counted = null;
            return counted;
        }

        var conditions = new BlobRequestConditions { LeaseId = _lease.LeaseId };
        var metadata = (await _blob.GetPropertiesAsync(conditions, cancellationToken)).Value.Metadata;
        var attempt = (metadata.TryGetValue("attempts", out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var before) ? before : 0) + 1;
        await _blob.SetMetadataAsync(Attempts(attempt), conditions, cancellationToken);
        return attempt;
    }

    private static Dictionary<string, string> Attempts(int attempt) =>
        new() { ["attempts"] = attempt.ToString(CultureInfo.InvariantCulture), ["host"] = Uri.EscapeDataString(Host) };

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
