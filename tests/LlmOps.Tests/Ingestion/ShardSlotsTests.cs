using LlmOps.Ingestion.Sharding;

namespace LlmOps.Tests.Ingestion;

/// <summary>
/// An instance holds two shard tasks and runs one shard's records at a time: the second waits for the first's records,
/// not for its outputs; a third task finds no slot; a slot given up (done or failed) frees both.
/// </summary>
public sealed class ShardSlotsTests
{
    [Fact]
    public async Task TwoHeld_ThirdRefused_RecordsOneAtATime_NextStartsWhenRecordsAreDone_FailedSlotFreesAll()
    {
        var slots = new ShardSlots();
        var first = slots.TryHold();
        var second = slots.TryHold();
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(slots.TryHold());

        await first.RunRecordsAsync(CancellationToken.None);
        var secondRuns = second.RunRecordsAsync(CancellationToken.None);
        Assert.False(secondRuns.IsCompleted);

        // The first shard's records are read: the second starts while the first still holds its slot (its outputs upload).
        first.RecordsDone();
        await secondRuns.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(slots.TryHold());
        first.Dispose();
        var third = slots.TryHold();
        Assert.NotNull(third);
        var thirdRuns = third.RunRecordsAsync(CancellationToken.None);
        Assert.False(thirdRuns.IsCompleted);

        // A shard that fails in its records gives its turn up when its slot is disposed.
        second.Dispose();
        await thirdRuns.WaitAsync(TimeSpan.FromSeconds(30));
        third.Dispose();
        third.Dispose();
        using var again = slots.TryHold();
        using var andAgain = slots.TryHold();
        Assert.NotNull(again);
        Assert.NotNull(andAgain);
        Assert.Null(slots.TryHold());
        await again.RunRecordsAsync(CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => again.RunRecordsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WaitingForTheRecordsTurn_Cancelled_HoldsNothing()
    {
        var slots = new ShardSlots();
        using var running = slots.TryHold()!;
        await running.RunRecordsAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = slots.TryHold()!;
        var turn = waiting.RunRecordsAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => turn);
        waiting.Dispose();

        // The cancelled wait took no turn: the running shard's records end, and a new slot gets the next turn.
        running.RecordsDone();
        using var next = slots.TryHold()!;
        await next.RunRecordsAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
