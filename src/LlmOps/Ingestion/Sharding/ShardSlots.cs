namespace LlmOps.Ingestion.Sharding;

/// <summary>
/// How many shard tasks one instance holds, and whose records it runs. A shard's record pipeline uses every core, so an
/// instance runs one shard's records at a time; the task after it waits, already claimed and set up, and starts the
/// moment those records are read, while the first shard's outputs upload, its receipt is written and the fan-in checks
/// run. Two shards of one drop held here take their turns in drop order, however their tasks arrived: a JSONL shard
/// numbers its lines from the counts of the shards before it, and one that ran first would read an earlier range again
/// to count it. A task beyond those two is handed back to the queue (<see cref="Held"/>): the Functions host takes
/// messages in batches (16 by default), and a batch held by one busy instance would keep the shards from the others
/// that scale out to take them.
/// </summary>
internal sealed class ShardSlots
{
    /// <summary>Shard tasks an instance holds at once: the one whose records run, and the next.</summary>
    public const int Held = 2;

    private readonly Lock _gate = new();
    private readonly List<Slot> _held = [];
    private Slot? _running;

    /// <summary>A slot for shard <paramref name="shard"/> of <paramref name="drop"/>, or null when the instance holds <see cref="Held"/> already.</summary>
    public Slot? TryHold(string drop, int shard)
    {
        lock (_gate)
        {
            if (_held.Count >= Held)
            {
                return null;
            }

            var slot = new Slot(this, drop, shard);
            _held.Add(slot);
            return slot;
        }
    }

    /// <summary>Under the gate: gives a free turn to the first waiting slot that no earlier shard of its drop held here comes before.</summary>
    private void Pass()
    {
        if (_running is not null)
        {
            return;
        }

        foreach (var slot in _held)
        {
            if (slot.Turn is { } turn && !_held.Exists(other => other.Drop == slot.Drop && other.Shard < slot.Shard && other.State < SlotState.RecordsDone))
            {
                (_running, slot.Turn, slot.State) = (slot, null, SlotState.Running);
                turn.TrySetResult();
                return;
            }
        }
    }

    internal enum SlotState
    {
        Held,
        Running,
        RecordsDone,
        Released,
    }

    /// <summary>One held task: <see cref="RunRecordsAsync"/> waits for the instance's turn to run records, <see cref="RecordsDone"/> gives it up.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly ShardSlots _slots;

        internal Slot(ShardSlots slots, string drop, int shard) => (_slots, Drop, Shard) = (slots, drop, shard);

        internal string Drop { get; }

        internal int Shard { get; }

        internal SlotState State { get; set; }

        /// <summary>Set while waiting for the turn.</summary>
        internal TaskCompletionSource? Turn { get; set; }

        public async Task RunRecordsAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource turn;
            lock (_slots._gate)
            {
                if (State != SlotState.Held || Turn is not null)
                {
                    throw new InvalidOperationException("A slot runs its records once.");
                }

                Turn = turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _slots.Pass();
            }

            try
            {
                await turn.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                lock (_slots._gate)
                {
                    if (Turn == turn)
                    {
                        // Not given the turn: this slot stops waiting for it.
                        Turn = null;
                        throw;
                    }
                }

                // Given the turn as the wait was cancelled: it is passed on.
                RecordsDone();
                throw;
            }
        }

        public void RecordsDone()
        {
            lock (_slots._gate)
            {
                if (State is SlotState.Held or SlotState.Running)
                {
                    Finish(SlotState.RecordsDone);
                }
            }
        }

        public void Dispose()
        {
            lock (_slots._gate)
            {
                if (State != SlotState.Released)
                {
                    _slots._held.Remove(this);
                    Finish(SlotState.Released);
                }
            }
        }

        private void Finish(SlotState state)
        {
            if (_slots._running == this)
            {
                _slots._running = null;
            }

            // A wait for the turn ends with the slot.
            Turn?.TrySetCanceled();
            (State, Turn) = (state, null);
            _slots.Pass();
        }
    }
}
