using Azure;
using LlmOps.LocalHost;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Tests.LocalHost;

public sealed class BlobReceiptStoreTests
{
    private static async Task<(BlobReceiptStore Store, StorageAccount Storage, string Function)> CreateAsync(TimeSpan leaseDuration)
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        // Shorter than a host may configure (15 s, Azure's lease minimum for timers): receipts are not blob leases.
        var options = new LocalHostOptions { LeaseDuration = leaseDuration };
        return (new BlobReceiptStore(storage, options, TimeProvider.System, NullLogger<BlobReceiptStore>.Instance), storage, TestNames.Function("Receipts"));
    }

    private static readonly ETag BlobVersion = new("\"0x8DC0000000000A1\"");

    [Fact]
    public async Task Claimed_SecondClaimBusyWhileRenewed_CompletedIsDone()
    {
        // Renewed every 2 s; the response Date has whole seconds, so a claim may look up to 1 s younger or older than it is: 3 s to spare.
        var (store, _, function) = await CreateAsync(TimeSpan.FromSeconds(6));
        var (outcome, claim) = await store.TryClaimAsync(function, "raw", "a.jsonl", BlobVersion, 5, CancellationToken.None);
        Assert.Equal(BlobClaimOutcome.Claimed, outcome);
        Assert.NotNull(claim);
        await using (claim)
        {
            Assert.Equal(0, claim.AttemptsBefore);
            Assert.Equal(1, claim.Receipt.Attempts);

            // Over more than a lease duration, no one else gets it.
            var until = DateTimeOffset.UtcNow.AddSeconds(8);
            while (DateTimeOffset.UtcNow < until)
            {
                Assert.Equal(BlobClaimOutcome.Busy, (await store.TryClaimAsync(function, "raw", "a.jsonl", BlobVersion, 5, CancellationToken.None)).Outcome);
                await Task.Delay(250);
            }

            Assert.False(claim.LeaseLost.IsCancellationRequested);
            await claim.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(BlobClaimOutcome.Done, (await store.TryClaimAsync(function, "raw", "a.jsonl", BlobVersion, 5, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task OwnerDiedWithoutReleasing_TakenOverOnceTheReceiptLapses_WithTheAttemptCounted()
    {
        var (store, storage, function) = await CreateAsync(TimeSpan.FromSeconds(5));
        // What a killed host leaves: a pending receipt with an owner, never renewed.
        await storage.Table(StorageNames.BlobReceiptsTable).AddEntityAsync(BlobReceiptStore.RowOf(
            new BlobReceipt(function, "raw", "b.jsonl", BlobVersion.ToString(), BlobReceiptStatus.Pending, 1, "attempt 1 started", DateTimeOffset.UtcNow),
            "dead-host"));

        Assert.Equal(BlobClaimOutcome.Busy, (await store.TryClaimAsync(function, "raw", "b.jsonl", BlobVersion, 5, CancellationToken.None)).Outcome);
        var (outcome, claim) = await Eventually.UntilAsync(
            () => store.TryClaimAsync(function, "raw", "b.jsonl", BlobVersion, 5, CancellationToken.None),
            r => r.Outcome == BlobClaimOutcome.Claimed,
            "the lapsed receipt to be taken over",
            TimeSpan.FromSeconds(30));
        Assert.NotNull(claim);
        await using (claim)
        {
            Assert.Equal(2, claim.Receipt.Attempts);
            Assert.Equal(1, claim.AttemptsBefore);
        }

        // Disposed while pending: released, so the next claim need not wait out the lease, and counts one more attempt.
        var (again, next) = await store.TryClaimAsync(function, "raw", "b.jsonl", BlobVersion, 5, CancellationToken.None);
        Assert.Equal(BlobClaimOutcome.Claimed, again);
        Assert.NotNull(next);
        await using (next)
        {
            Assert.Equal(3, next.Receipt.Attempts);
        }
    }

    [Fact]
    public async Task ReceiptChangedUnderTheClaim_NextWriteFails_LeaseLostFires_AtThresholdNoMoreAttemptsCounted()
    {
        var (store, storage, function) = await CreateAsync(TimeSpan.FromSeconds(30));
        var (_, claim) = await store.TryClaimAsync(function, "raw", "c.jsonl", BlobVersion, 1, CancellationToken.None);
        Assert.NotNull(claim);
        await using (claim)
        {
            // Another writer releases the receipt (no owner): the row gets a new ETag.
            var row = (await store.GetRowAsync(function, "raw", "c.jsonl", BlobVersion, CancellationToken.None))!;
            row.Owner = "";
            await storage.Table(StorageNames.BlobReceiptsTable).UpdateEntityAsync(row, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace);

            var error = await Assert.ThrowsAsync<RequestFailedException>(() => claim.CompleteAsync(CancellationToken.None));
            Assert.Equal(412, error.Status);
            Assert.True(claim.LeaseLost.IsCancellationRequested);
        }

        // Released by the other writer (no owner) at the threshold of 1: claimed for the poison path, not counted again.
        var (outcome, poisoning) = await store.TryClaimAsync(function, "raw", "c.jsonl", BlobVersion, 1, CancellationToken.None);
        Assert.Equal(BlobClaimOutcome.Claimed, outcome);
        Assert.NotNull(poisoning);
        await using (poisoning)
        {
            Assert.Equal(1, poisoning.Receipt.Attempts);
            Assert.Equal(1, poisoning.AttemptsBefore);
        }
    }

    [Fact]
    public async Task RenewalQueuedBehindTheOutcome_RenewsTheOutcome_NeverWritesPendingBack()
    {
        // Renewing every 100 ms while outcomes are written: a renewal that had read the receipt before the outcome and
        // wrote it after would put a completed blob back to pending (and it would run again).
        var (store, _, function) = await CreateAsync(TimeSpan.FromMilliseconds(300));
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var name = $"race-{i}.jsonl";
            var (_, claim) = await store.TryClaimAsync(function, "raw", name, BlobVersion, 5, CancellationToken.None);
            Assert.NotNull(claim);
            await using (claim)
            {
                await Task.Delay(50 + (i * 7 % 120));
                await claim.CompleteAsync(CancellationToken.None);
                await Task.Delay(150); // renewals come due after the outcome
            }

            Assert.Equal(BlobReceiptStatus.Completed, (await store.GetAsync(function, "raw", name, BlobVersion, CancellationToken.None))!.Status);
        }));
    }
}
