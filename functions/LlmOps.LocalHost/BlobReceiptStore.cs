using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// Receipts of blob versions per function, as rows of the <c>llmopsblobreceipts</c> table. A claim owns the receipt
/// (ETag-conditional writes, renewed while the handler runs), so two host instances never run the same blob version
/// at once. Writes of concurrent claims go out together in table transactions (<see cref="TableWriteBatcher"/>), so
/// a blob costs a share of a request to claim and to complete instead of a request each.
/// </summary>
public sealed class BlobReceiptStore
{
    private readonly TableClient _table;
    private readonly TableWriteBatcher _writes;
    private readonly LocalHostOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<BlobReceiptStore> _logger;

    public BlobReceiptStore(StorageAccount storage, LocalHostOptions options, TimeProvider clock, ILogger<BlobReceiptStore> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _table = storage.Table(StorageNames.BlobReceiptsTable);
        _writes = new TableWriteBatcher(_table);
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The receipt of one blob version, or null when none was written yet.</summary>
    public async Task<BlobReceipt?> GetAsync(string function, string container, string name, ETag etag, CancellationToken cancellationToken) =>
        (await GetRowAsync(function, container, name, etag, cancellationToken))?.ToReceipt();

    /// <summary>The stored row of one blob version's receipt (with its owner), or null.</summary>
    internal async Task<BlobReceiptRow?> GetRowAsync(string function, string container, string name, ETag etag, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<BlobReceiptRow>(PartitionOf(function, container), ReceiptKey(name, etag), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// The receipt keys (<see cref="ReceiptKey"/>) of blob versions that are completed or poisoned for a function and
    /// container, read in one query so a scan (or a restart over a full container) does not ask per blob.
    /// </summary>
    public async Task<HashSet<string>> ListSettledAsync(string function, string container, CancellationToken cancellationToken)
    {
        var settled = new HashSet<string>(StringComparer.Ordinal);
        var filter = $"PartitionKey eq {TableKey.Literal(PartitionOf(function, container))} and Status ne {TableKey.Literal(nameof(BlobReceiptStatus.Pending))}";
        await foreach (var row in _table.QueryAsync<BlobReceiptRow>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            settled.Add(row.RowKey);
        }

        return settled;
    }

    /// <summary>
    /// Claims a blob version for a run: <see cref="BlobClaimOutcome.Claimed"/> with the receipt written under this
    /// claim's owner id (the attempt counted in the same write, unless <paramref name="poisonThreshold"/> attempts were
    /// made already), <see cref="BlobClaimOutcome.Done"/> when it was completed or poisoned, <see cref="BlobClaimOutcome.Busy"/>
    /// when another instance owns it and renewed it within the lease duration. Freshness is judged on the storage
    /// service's clock (the row's Timestamp against the response's Date), so instances' clocks may differ.
    /// </summary>
    internal async Task<(BlobClaimOutcome Outcome, BlobReceiptClaim? Claim)> TryClaimAsync(
        string function, string container, string name, ETag etag, int poisonThreshold, CancellationToken cancellationToken)
    {
        var owner = Guid.NewGuid().ToString("N");
        var now = _clock.GetUtcNow();
        var fresh = new BlobReceipt(function, container, name, etag.ToString(), BlobReceiptStatus.Pending, 1, BlobReceiptClaim.StartedMessage(1, now), now);
        var freshRow = RowOf(fresh, owner);
        try
        {
            var created = await _writes.WriteAsync(new TableTransactionAction(TableTransactionActionType.Add, freshRow), cancellationToken);
            return (BlobClaimOutcome.Claimed, Claim(fresh, created, attemptCounted: true));
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // This or another instance saw the version before: the receipt says whether to run it and who may.
        }

        var read = await _table.GetEntityAsync<BlobReceiptRow>(freshRow.PartitionKey, freshRow.RowKey, cancellationToken: cancellationToken);
        var row = read.Value;
        var receipt = row.ToReceipt();
        if (receipt.Status != BlobReceiptStatus.Pending)
        {
            return (BlobClaimOutcome.Done, null);
        }

        var serverNow = read.GetRawResponse().Headers.Date ?? now;
        if (row.Owner.Length > 0 && row.Timestamp is { } renewed && serverNow - renewed < _options.LeaseDuration)
        {
            return (BlobClaimOutcome.Busy, null);
        }

        var counted = receipt.Attempts < poisonThreshold;
        var taken = (counted ? receipt with { Attempts = receipt.Attempts + 1, LastError = BlobReceiptClaim.StartedMessage(receipt.Attempts + 1, now) } : receipt) with { UpdatedAt = now };
        try
        {
            var written = await WriteAsync(taken, owner, row.ETag, cancellationToken);
            return (BlobClaimOutcome.Claimed, Claim(taken, written, counted));
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return (BlobClaimOutcome.Busy, null); // another instance took it between the read and the write
        }

        BlobReceiptClaim Claim(BlobReceipt claimed, ETag receiptETag, bool attemptCounted) =>
            new(this, claimed, receiptETag, owner, attemptCounted, _options.LeaseDuration, _clock, _logger);
    }

    /// <summary>Writes a receipt if its row still has <paramref name="ifMatch"/>, owned by <paramref name="owner"/> (null: by no claim); returns its new ETag.</summary>
    internal Task<ETag> WriteAsync(BlobReceipt receipt, string? owner, ETag ifMatch, CancellationToken cancellationToken) =>
        _writes.WriteAsync(new TableTransactionAction(TableTransactionActionType.UpdateReplace, RowOf(receipt, owner), ifMatch), cancellationToken);

    /// <summary>The row of a receipt, owned by <paramref name="owner"/> (null: by no claim).</summary>
    internal static BlobReceiptRow RowOf(BlobReceipt receipt, string? owner) => new()
    {
        PartitionKey = PartitionOf(receipt.Function, receipt.Container),
        RowKey = ReceiptKey(receipt.Name, new ETag(receipt.ETag)),
        Function = receipt.Function,
        Container = receipt.Container,
        Name = receipt.Name,
        BlobETag = receipt.ETag,
        Status = receipt.Status.ToString(),
        Attempts = receipt.Attempts,
        LastError = receipt.LastError,
        UpdatedAt = receipt.UpdatedAt,
        Owner = owner ?? "",
    };

    /// <summary>The partition of one function's receipts for one container.</summary>
    internal static string PartitionOf(string function, string container) => TableKey.Encode($"{function}|{container}");

    /// <summary>The row key of one blob version's receipt: blob names may hold '/', '#' or any Unicode and be 1,024 characters long, so a hash; the row keeps the name.</summary>
    public static string ReceiptKey(string name, ETag etag)
    {
        ArgumentNullException.ThrowIfNull(name);
        var nameHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        return $"{nameHash}-{TableKey.Encode(etag.ToString().Trim('"'))}";
    }
}
