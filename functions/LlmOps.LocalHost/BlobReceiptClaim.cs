using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace LlmOps.LocalHost;

/// <summary>A blob version claimed by this instance: the leased receipt, updated as the run ends.</summary>
internal sealed class BlobReceiptClaim(BlobClient receiptBlob, BlobLeaseKeeper lease, BlobReceipt receipt, TimeProvider clock, bool attemptCounted) : IAsyncDisposable
{
    private const int MaxErrorLength = 4000;

    private bool _attemptCounted = attemptCounted;

    public BlobReceipt Receipt { get; private set; } = receipt;

    /// <summary>Attempts made before this claim (a receipt created by this claim already counts this one).</summary>
    public int AttemptsBefore => Receipt.Attempts - (_attemptCounted ? 1 : 0);

    /// <summary>Fires when the lease could not be renewed: another instance may take the blob over.</summary>
    public CancellationToken LeaseLost => lease.Lost;

    public Task CompleteAsync(CancellationToken cancellationToken) =>
        WriteAsync(Receipt with { Status = BlobReceiptStatus.Completed }, cancellationToken);

    /// <summary>
    /// Counts an attempt as it starts, as the Functions host counts a dequeue: a handler that kills its process still
    /// uses up an attempt, so such a blob ends on the poison queue instead of running forever.
    /// </summary>
    public async Task StartAttemptAsync(CancellationToken cancellationToken)
    {
        if (_attemptCounted)
        {
            _attemptCounted = false; // counted when the receipt was created
            return;
        }

        await WriteAsync(Receipt with { Attempts = Receipt.Attempts + 1, LastError = StartedMessage(Receipt.Attempts + 1, clock.GetUtcNow()) }, cancellationToken);
    }

    /// <summary>What a receipt says while an attempt runs: if the process dies, that is what stays.</summary>
    internal static string StartedMessage(int attempt, DateTimeOffset at) =>
        $"attempt {attempt} started at {at:O} and did not finish (the host stopped or its process died)";

    /// <summary>Gives back the attempt of a run the host abandoned while stopping gracefully (its input is handed back).</summary>
    public Task RefundAttemptAsync(CancellationToken cancellationToken) =>
        WriteAsync(Receipt with { Attempts = Math.Max(0, Receipt.Attempts - 1) }, cancellationToken);

    /// <summary>Records why the current attempt failed and returns the attempts so far.</summary>
    public async Task<int> RecordFailureAsync(string error, CancellationToken cancellationToken)
    {
        await WriteAsync(Receipt with { LastError = error.Length <= MaxErrorLength ? error : error[..MaxErrorLength] }, cancellationToken);
        return Receipt.Attempts;
    }

    public Task MarkPoisonedAsync(CancellationToken cancellationToken) =>
        WriteAsync(Receipt with { Status = BlobReceiptStatus.Poisoned }, cancellationToken);

    public ValueTask DisposeAsync() => lease.DisposeAsync();

    internal static string Describe(Exception error)
    {
        var text = $"{error.GetType().FullName}: {error.Message}";
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }

    private async Task WriteAsync(BlobReceipt updated, CancellationToken cancellationToken)
    {
        updated = updated with { UpdatedAt = clock.GetUtcNow() };
        await receiptBlob.UploadAsync(
            BinaryData.FromObjectAsJson(updated, JsonSerializerOptions.Web),
            new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { LeaseId = lease.LeaseId },
                Metadata = BlobReceiptStore.StatusOf(updated.Status),
            },
            cancellationToken);
        Receipt = updated;
    }
}
