using Azure;
using Azure.Data.Tables;

namespace LlmOps.LocalHost;

/// <summary>
/// Group commit for one table: writes issued while a transaction is in flight go out together in the next one (up to
/// 100 rows of one partition, as Table storage allows), so the claims and outcomes of concurrent handlers cost about
/// one request each round instead of one per row. A transaction that fails (a row's condition did not hold) changed
/// nothing, and its writes are then sent one by one, so each gets its own answer: an ETag, or its own error.
/// </summary>
internal sealed class TableWriteBatcher(TableClient table)
{
    private const int MaxRows = 100;
    private readonly Lock _gate = new();
    private readonly List<Pending> _pending = [];
    private bool _flushing;

    /// <summary>
    /// Writes one row (an Add, or an UpdateReplace conditional on the action's ETag) and returns its new ETag. Cancelling
    /// stops the wait, not a write already on its way.
    /// </summary>
    public Task<ETag> WriteAsync(TableTransactionAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (action.ActionType is not (TableTransactionActionType.Add or TableTransactionActionType.UpdateReplace))
        {
            throw new ArgumentException($"Only Add and UpdateReplace are batched, not {action.ActionType}.", nameof(action));
        }

        var pending = new Pending(action, new TaskCompletionSource<ETag>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _pending.Add(pending);
            start = !_flushing;
            _flushing = true;
        }

        if (start)
        {
            _ = Task.Run(FlushAsync, CancellationToken.None);
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            var batch = new List<Pending>();
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                // One partition per transaction, each row once: the rest wait for the next round.
                var partition = _pending[0].Action.Entity.PartitionKey;
                var rows = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < _pending.Count && batch.Count < MaxRows;)
                {
                    var entity = _pending[i].Action.Entity;
                    if (string.Equals(entity.PartitionKey, partition, StringComparison.Ordinal) && rows.Add(entity.RowKey))
                    {
                        batch.Add(_pending[i]);
                        _pending.RemoveAt(i);
                    }
                    else
                    {
                        i++;
                    }
                }
            }

            await SubmitAsync(batch);
        }
    }

    private async Task SubmitAsync(List<Pending> batch)
    {
        if (batch.Count > 1)
        {
            try
            {
                var responses = (await table.SubmitTransactionAsync(batch.Select(p => p.Action), CancellationToken.None)).Value;
                for (var i = 0; i < batch.Count; i++)
                {
                    Complete(batch[i], responses[i]);
                }

                return;
            }
            catch (TableTransactionFailedException)
            {
                // One row's condition failed and nothing was written: each write on its own below gets its answer.
            }
            catch (Exception ex)
            {
                // A storage fault: every write of the batch fails with it, and each caller retries as it would alone.
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }

                return;
            }
        }

        await Task.WhenAll(batch.Select(WriteOneAsync));
    }

    private async Task WriteOneAsync(Pending pending)
    {
        try
        {
            var entity = pending.Action.Entity;
            var response = pending.Action.ActionType == TableTransactionActionType.Add
                ? await table.AddEntityAsync(entity, CancellationToken.None)
                : await table.UpdateEntityAsync(entity, pending.Action.ETag, TableUpdateMode.Replace, CancellationToken.None);
            Complete(pending, response);
        }
        catch (Exception ex)
        {
            pending.Done.TrySetException(ex);
        }
    }

    private static void Complete(Pending pending, Response response)
    {
        if (response.Headers.ETag is { } etag)
        {
            pending.Done.TrySetResult(etag);
        }
        else
        {
            pending.Done.TrySetException(new InvalidOperationException($"Table storage answered a write of {pending.Action.Entity.RowKey} without an ETag."));
        }
    }

    private sealed record Pending(TableTransactionAction Action, TaskCompletionSource<ETag> Done);
}
