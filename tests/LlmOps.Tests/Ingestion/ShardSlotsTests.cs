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
        var first = slots.TryHold("drop", 1);
        var second = slots.TryHold("drop", 2);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(slots.TryHold("drop", 3));

        await first.RunRecordsAsync(CancellationToken.None);
        var secondRuns = second.RunRecordsAsync(CancellationToken.None);
        Assert.False(secondRuns.IsCompleted);

        // The first shard's records are read: the second starts while the first still holds its slot (its outputs upload).
        first.RecordsDone();
        await secondRuns.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(slots.TryHold("drop", 4));
        first.Dispose();
        var third = slots.TryHold("drop", 5);
        Assert.NotNull(third);
        var thirdRuns = third.RunRecordsAsync(CancellationToken.None);
        Assert.False(thirdRuns.IsCompleted);

        // A shard that fails in its records gives its turn up when its slot is disposed.
        second.Dispose();
        await thirdRuns.WaitAsync(TimeSpan.FromSeconds(30));
        third.Dispose();
        third.Dispose();
        using var again = slots.TryHold("drop", 6);
        using var andAgain = slots.TryHold("drop", 7);
        Assert.NotNull(again);
        Assert.NotNull(andAgain);
        Assert.Null(slots.TryHold("drop", 8));
        await again.RunRecordsAsync(CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => again.RunRecordsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WaitingForTheRecordsTurn_Cancelled_HoldsNothing()
    {
        var slots = new ShardSlots();
        using var running = slots.TryHold("drop", 9)!;
        await running.RunRecordsAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = slots.TryHold("drop", 10)!;
        var turn = waiting.RunRecordsAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => turn);
        waiting.Dispose();

        // The cancelled wait took no turn: the running shard's records end, and a new slot gets the next turn.
        running.RecordsDone();
        using var next = slots.TryHold("drop", 11)!;
        await next.RunRecordsAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ShardsOfOneDrop_TakeTheirTurnsInDropOrder_WhicheverAsksFirst_OtherDropsDoNotWait()
    {
        var slots = new ShardSlots();
        var later = slots.TryHold("a", 5)!;
        var earlier = slots.TryHold("a", 4)!;
        var laterRuns = later.RunRecordsAsync(CancellationToken.None);

        // Shard 4 is held here and has not run its records: shard 5 waits, though it asked first and the turn is free.
        Assert.False(laterRuns.IsCompleted);
        await earlier.RunRecordsAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(laterRuns.IsCompleted);
        earlier.RecordsDone();
        await laterRuns.WaitAsync(TimeSpan.FromSeconds(30));
        later.Dispose();
        earlier.Dispose();

        // An earlier shard given up without running its records (its claim was another instance's) lets the later one go.
        var waiting = slots.TryHold("b", 2)!;
        var givenUp = slots.TryHold("b", 1)!;
        var waitingRuns = waiting.RunRecordsAsync(CancellationToken.None);
        Assert.False(waitingRuns.IsCompleted);
        givenUp.Dispose();
        await waitingRuns.WaitAsync(TimeSpan.FromSeconds(30));
        waiting.Dispose();

        // Shards of different drops take the turn as they ask for it.
        using var other = slots.TryHold("c", 9)!;
        using var first = slots.TryHold("d", 1)!;
        await other.RunRecordsAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var firstRuns = first.RunRecordsAsync(CancellationToken.None);
        Assert.False(firstRuns.IsCompleted);
        other.RecordsDone();
        await firstRuns.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
