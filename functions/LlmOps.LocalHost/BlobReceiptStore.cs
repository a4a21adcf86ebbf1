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
/// Receipts of blob versions per function, under <c>llmops-hosts/blobreceipts/</c>. A claim owns the receipt
/// (ETag-conditional writes, renewed while the handler runs), so two host instances never run the same blob version
/// at once.
/// </summary>
public sealed class BlobReceiptStore(StorageAccount storage, LocalHostOptions options, TimeProvider clock, ILogger<BlobReceiptStore> logger)
{
    private const string StatusMetadata = "status";
    private const string OwnerMetadata = "owner";
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
    /// Claims a blob version for a run: <see cref="BlobClaimOutcome.Claimed"/> with the receipt written under this
    /// claim's owner id (the attempt counted in the same write, unless <paramref name="poisonThreshold"/> attempts were
    /// made already), <see cref="BlobClaimOutcome.Done"/> when it was completed or poisoned, <see cref="BlobClaimOutcome.Busy"/>
    /// when another instance owns it and renewed it within the lease duration. Freshness is judged on the storage
    /// service's clock (the receipt's Last-Modified against the response's Date), so instances' clocks may differ.
    /// </summary>
    internal async Task<(BlobClaimOutcome Outcome, BlobReceiptClaim? Claim)> TryClaimAsync(
        string function, string container, string name, ETag etag, int poisonThreshold, CancellationToken cancellationToken)
    {
        var receiptBlob = _container.GetBlobClient(ReceiptName(function, container, name, etag));
        var owner = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var fresh = new BlobReceipt(function, container, name, etag.ToString(), BlobReceiptStatus.Pending, 1, BlobReceiptClaim.StartedMessage(1, now), now);
        try
        {
            var created = await WriteAsync(receiptBlob, fresh, new BlobRequestConditions { IfNoneMatch = ETag.All }, owner, cancellationToken);
            return (BlobClaimOutcome.Claimed, Claim(fresh, created, attemptCounted: true));
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // This or another instance saw the version before: the receipt says whether to run it and who may.
        }

        var download = await receiptBlob.DownloadContentAsync(cancellationToken);
        var details = download.Value.Details;
        var receipt = download.Value.Content.ToObjectFromJson<BlobReceipt>(JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException($"Receipt {receiptBlob.Name} is empty.");
        if (receipt.Status != BlobReceiptStatus.Pending)
        {
            return (BlobClaimOutcome.Done, null);
        }

        var serverNow = download.GetRawResponse().Headers.Date ?? now;
        if (details.Metadata.TryGetValue(OwnerMetadata, out var holder) && holder.Length > 0 && serverNow - details.LastModified < options.LeaseDuration)
        {
            return (BlobClaimOutcome.Busy, null);
        }

        var counted = receipt.Attempts < poisonThreshold;
        var taken = (counted ? receipt with { Attempts = receipt.Attempts + 1, LastError = BlobReceiptClaim.StartedMessage(receipt.Attempts + 1, now) } : receipt) with { UpdatedAt = now };
        try
        {
            var written = await WriteAsync(receiptBlob, taken, new BlobRequestConditions { IfMatch = details.ETag }, owner, cancellationToken);
            return (BlobClaimOutcome.Claimed, Claim(taken, written, counted));
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return (BlobClaimOutcome.Busy, null); // another instance took it between the read and the write
        }

        BlobReceiptClaim Claim(BlobReceipt claimed, ETag receiptETag, bool attemptCounted) =>
            new(receiptBlob, receiptETag, claimed, owner, attemptCounted, options.LeaseDuration, clock, logger);
    }

    private static bool IsDone(IDictionary<string, string> metadata) =>
        metadata.TryGetValue(StatusMetadata, out var status) && !string.Equals(status, nameof(BlobReceiptStatus.Pending), StringComparison.Ordinal);

    /// <summary>Writes a receipt under <paramref name="conditions"/>, owned by <paramref name="owner"/> (null: by no claim); returns its new ETag.</summary>
    internal static async Task<ETag> WriteAsync(BlobClient receiptBlob, BlobReceipt receipt, BlobRequestConditions conditions, string? owner, CancellationToken cancellationToken)
    {
        var written = await receiptBlob.UploadAsync(
            BinaryData.FromObjectAsJson(receipt, JsonSerializerOptions.Web),
            new BlobUploadOptions { Conditions = conditions, Metadata = MetadataOf(receipt.Status, owner) },
            cancellationToken);
        return written.Value.ETag;
    }

    /// <summary>A receipt's metadata: its status (read by listings) and, while a claim holds it, the claim's owner id.</summary>
    internal static Dictionary<string, string> MetadataOf(BlobReceiptStatus status, string? owner) =>
        owner is null ? new() { [StatusMetadata] = status.ToString() } : new() { [StatusMetadata] = status.ToString(), [OwnerMetadata] = owner };

    /// <summary>Where the receipt of one blob version for one function lives in the host container.</summary>
    public static string ReceiptName(string function, string container, string name, ETag etag)
    {
        // Blob names may hold '..', spaces or any Unicode: the receipt path uses a hash; the receipt body keeps the name.
        var nameHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var etagText = etag.ToString().Trim('"');
        return $"blobreceipts/{function}/{container}/{nameHash}/{etagText}";
    }
}
