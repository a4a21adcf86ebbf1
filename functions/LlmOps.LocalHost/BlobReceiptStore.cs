using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// Receipts of blob versions per function, under <c>llmops-hosts/blobreceipts/</c>. A claim holds a lease on the
/// receipt while the handler runs, so two host instances never run the same blob version at once.
/// </summary>
public sealed class BlobReceiptStore(StorageAccount storage, LocalHostOptions options, TimeProvider clock, ILogger<BlobReceiptStore> logger)
{
    private const string StatusMetadata = "status";
    private readonly BlobContainerClient _container = storage.Container(StorageNames.HostContainer);

    /// <summary>The receipt of one blob version, or null when none was written yet.</summary>
    public Task<BlobReceipt?> GetAsync(string function, string container, string name, ETag etag, CancellationToken cancellationToken) =>
        _container.GetBlobClient(ReceiptName(function, container, name, etag)).ReadAsync<BlobReceipt>(cancellationToken);

    /// <summary>
    /// The receipt names of blob versions that are completed or poisoned for a function and container, read in
    /// one listing so a scan (or a restart over a full container) does not ask per blob.
    /// </summary>
    public async Task<HashSet<string>> ListSettledAsync(string function, string container, CancellationToken cancellationToken)
    {
        var settled = new HashSet<string>(StringComparer.Ordinal);
        var listing = _container.GetBlobsAsync(
            new GetBlobsOptions { Prefix = $"blobreceipts/{function}/{container}/", Traits = BlobTraits.Metadata },
            cancellationToken);
        await foreach (var receipt in listing)
        {
            if (IsDone(receipt.Metadata))
            {
                settled.Add(receipt.Name);
            }
        }

        return settled;
    }

    /// <summary>
    /// Claims a blob version for a run: <see cref="BlobClaimOutcome.Claimed"/> with a held lease,
    /// <see cref="BlobClaimOutcome.Done"/> when it was completed or poisoned, <see cref="BlobClaimOutcome.Busy"/> when another instance holds it.
    /// </summary>
    internal async Task<(BlobClaimOutcome Outcome, BlobReceiptClaim? Claim)> TryClaimAsync(
        string function, string container, string name, ETag etag, CancellationToken cancellationToken)
    {
        var receiptBlob = _container.GetBlobClient(ReceiptName(function, container, name, etag));
        // A fresh receipt is written with its first attempt already counted (one write less per blob); in a race
        // where another instance takes the lease first, that instance counts one attempt more: counting errs high.
        var now = clock.GetUtcNow();
        var fresh = new BlobReceipt(function, container, name, etag.ToString(), BlobReceiptStatus.Pending, 1, BlobReceiptClaim.StartedMessage(1, now), now);
        // When the receipt exists this or another instance saw the version before: the lease decides who runs, the receipt whether to.
        var created = await receiptBlob.TryCreateAsync(
            BinaryData.FromObjectAsJson(fresh, JsonSerializerOptions.Web),
            new BlobUploadOptions { Metadata = StatusOf(BlobReceiptStatus.Pending) },
            cancellationToken);

        var lease = await BlobLeaseKeeper.TryAcquireAsync(receiptBlob, options.LeaseDuration, logger, cancellationToken);
        if (lease is null)
        {
            return (BlobClaimOutcome.Busy, null);
        }

        try
        {
            var receipt = created
                ? fresh
                : await receiptBlob.ReadAsync<BlobReceipt>(cancellationToken)
                  ?? throw new InvalidOperationException($"Receipt {receiptBlob.Name} is missing or empty.");
            if (receipt.Status != BlobReceiptStatus.Pending)
            {
                await lease.DisposeAsync();
                return (BlobClaimOutcome.Done, null);
            }

            return (BlobClaimOutcome.Claimed, new BlobReceiptClaim(receiptBlob, lease, receipt, clock, attemptCounted: created));
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    private static bool IsDone(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(StatusMetadata, out var status) && !string.Equals(status, nameof(BlobReceiptStatus.Pending), StringComparison.Ordinal);

    internal static Dictionary<string, string> StatusOf(BlobReceiptStatus status) => new() { [StatusMetadata] = status.ToString() };

    /// <summary>Where the receipt of one blob version for one function lives in the host container.</summary>
    public static string ReceiptName(string function, string container, string name, ETag etag)
    {
        // Blob names may hold '..', spaces or any Unicode: the receipt path uses a hash; the receipt body keeps the name.
        var nameHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var etagText = etag.ToString().Trim('"');
        return $"blobreceipts/{function}/{container}/{nameHash}/{etagText}";
    }
}
