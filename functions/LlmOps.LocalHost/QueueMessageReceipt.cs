using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// A received message's pop receipt, renewed at a third of the visibility timeout so the message stays hidden
/// while its handler runs; it ends deleted or returned to the queue.
/// </summary>
internal sealed class QueueMessageReceipt : IAsyncDisposable
{
    private readonly QueueClient _queue;
    private readonly string _messageId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private readonly ILogger _logger;
    private string _popReceipt;
    private bool _settled;

    public QueueMessageReceipt(QueueClient queue, QueueMessage message, TimeSpan visibility, ILogger logger)
    {
        _queue = queue;
        _messageId = message.MessageId;
        _popReceipt = message.PopReceipt;
        _logger = logger;
        _renewal = RenewAsync(visibility);
    }

    public async Task DeleteAsync(CancellationToken cancellationToken) =>
        await SettleAsync(receipt => _queue.DeleteMessageAsync(_messageId, receipt, cancellationToken));

    public async Task ReturnAsync(TimeSpan visibleAfter, CancellationToken cancellationToken) =>
        await SettleAsync(receipt => _queue.UpdateMessageAsync(_messageId, receipt, visibilityTimeout: visibleAfter, cancellationToken: cancellationToken));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        _stop.Dispose();
        _gate.Dispose();
    }

    private async Task SettleAsync(Func<string, Task> settle)
    {
        await _stop.CancelAsync();
        await _renewal;
        await _gate.WaitAsync();
        try
        {
            if (!_settled)
            {
                await settle(_popReceipt);
                _settled = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RenewAsync(TimeSpan visibility)
    {
        try
        {
            while (true)
            {
                await Task.Delay(visibility / 3, _stop.Token);
                await _gate.WaitAsync(_stop.Token);
                try
                {
                    var updated = await _queue.UpdateMessageAsync(_messageId, _popReceipt, visibilityTimeout: visibility, cancellationToken: _stop.Token);
                    _popReceipt = updated.Value.PopReceipt;
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Settled or disposed.
        }
        catch (RequestFailedException ex)
        {
            _logger.LogWarning(ex, "Could not keep message {MessageId} on {Queue} hidden; another receiver may get it", _messageId, _queue.Name);
        }
    }
}
