namespace LlmOps.Ingestion.Sharding;

/// <summary>
/// How many shard tasks one instance holds, and whose records it runs. A shard's record pipeline uses every core, so an
/// instance runs one shard's records at a time; the task after it waits, already claimed and set up, and starts the
/// moment those records are read, while the first shard's outputs upload, its receipt is written and the fan-in checks
/// run. A task beyond those two is handed back to the queue (<see cref="Held"/>): the Functions host takes messages in
/// batches (16 by default), and a batch held by one busy instance would keep the shards from the others that scale
/// out to take them.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never asked for holds nothing to dispose; the slots live as long as their instance.")]
internal sealed class ShardSlots
{
    /// <summary>Shard tasks an instance holds at once: the one whose records run, and the next.</summary>
    public const int Held = 2;

    private readonly SemaphoreSlim _records = new(1, 1);
    private int _held;

    /// <summary>A slot for a task, or null when the instance holds <see cref="Held"/> already.</summary>
    public Slot? TryHold()
    {
        if (Interlocked.Increment(ref _held) > Held)
        {
            Interlocked.Decrement(ref _held);
            return null;
        }

        return new Slot(this);
    }

    /// <summary>One held task: <see cref="RunRecordsAsync"/> waits for the instance's turn to run records, <see cref="RecordsDone"/> gives it up.</summary>
    public sealed class Slot(ShardSlots slots) : IDisposable
    {
        private int _state; // 0 held, 1 running records, 2 records done

        public async Task RunRecordsAsync(CancellationToken cancellationToken)
        {
            if (_state != 0)
            {
                throw new InvalidOperationException("A slot runs its records once.");
            }

            await slots._records.WaitAsync(cancellationToken);
            _state = 1;
        }

        public void RecordsDone()
        {
            if (_state == 1)
            {
                slots._records.Release();
            }

            _state = 2;
        }

        public void Dispose()
        {
            if (_state != 3)
            {
                RecordsDone();
                _state = 3;
                Interlocked.Decrement(ref slots._held);
            }
        }
    }
}
