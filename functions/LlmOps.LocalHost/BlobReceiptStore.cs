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

    public async Task EnsureContainerAsync(CancellationToken cancellationToken) =>
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    /// <summary>The receipt of one blob version, or null when none was written yet.</summary>
    public async Task<BlobReceipt?> GetAsync(string function, string container, string name, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            var content = await ReceiptBlob(function, container, name, etag).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<BlobReceipt>(JsonSerializerOptions.Web);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Claims a blob version for a run: <see cref="BlobClaimOutcome.Claimed"/> with a held lease,
    /// <see cref="BlobClaimOutcome.Done"/> when it was completed or poisoned, <see cref="BlobClaimOutcome.Busy"/> when another instance holds it.
    /// </summary>
    internal async Task<(BlobClaimOutcome Outcome, BlobReceiptClaim? Claim)> TryClaimAsync(
        string function, string container, string name, ETag etag, CancellationToken cancellationToken)
    {
        var receiptBlob = ReceiptBlob(function, container, name, etag);
        try
        {
            var properties = await receiptBlob.GetPropertiesAsync(cancellationToken: cancellationToken);
            if (IsDone(properties.Value.Metadata))
            {
                return (BlobClaimOutcome.Done, null);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            var fresh = new BlobReceipt(function, container, name, etag.ToString(), BlobReceiptStatus.Pending, 0, null, clock.GetUtcNow());
            try
            {
                await receiptBlob.UploadAsync(
                    BinaryData.FromObjectAsJson(fresh, JsonSerializerOptions.Web),
                    new BlobUploadOptions
                    {
                        Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        Metadata = StatusOf(BlobReceiptStatus.Pending),
                    },
                    cancellationToken);
            }
            catch (RequestFailedException conflict) when (conflict.Status is 409 or 412)
            {
                // Another instance wrote it first; the lease below decides who runs.
            }
        }

        var lease = await BlobLeaseKeeper.TryAcquireAsync(receiptBlob, options.LeaseDuration, logger, cancellationToken);
        if (lease is null)
        {
            return (BlobClaimOutcome.Busy, null);
        }

        try
        {
            var content = await receiptBlob.DownloadContentAsync(cancellationToken);
            var receipt = content.Value.Content.ToObjectFromJson<BlobReceipt>(JsonSerializerOptions.Web)
                ?? throw new InvalidOperationException($"Receipt {receiptBlob.Name} is empty.");
            if (receipt.Status != BlobReceiptStatus.Pending)
            {
                await lease.DisposeAsync();
                return (BlobClaimOutcome.Done, null);
            }

            return (BlobClaimOutcome.Claimed, new BlobReceiptClaim(receiptBlob, lease, receipt, clock));
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

    private BlobClient ReceiptBlob(string function, string container, string name, ETag etag)
    {
        // Blob names may hold '..', spaces or any Unicode: the receipt path uses a hash; the receipt body keeps the name.
        var nameHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var etagText = etag.ToString().Trim('"');
        return _container.GetBlobClient($"blobreceipts/{function}/{container}/{nameHash}/{etagText}");
    }
}
