using LlmOps.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>
/// The shared shape of a trigger listener. Stopping first ends the polling loop and lets running handlers finish;
/// when the host's shutdown timeout passes, handlers are cancelled and each listener hands their input back
/// (receipt left pending, message made visible), so a stop never loses input.
/// </summary>
public abstract class TriggerListener(FunctionDefinition function, IServiceProvider services, TimeSpan shutdownTimeout, ILogger logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _handlers = new();
    private Task? _running;

    public FunctionDefinition Function { get; } = function;

    protected ILogger Logger { get; } = logger;

    /// <summary>Cancelled only when a stop runs out of patience with running handlers.</summary>
    protected CancellationToken HandlerStopping => _handlers.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running is null)
        {
            return;
        }

        // End the polling loop; running handlers then get the shutdown timeout to finish before they are cancelled.
        await _stopping.CancelAsync();
        await Task.WhenAny(_running, Task.Delay(shutdownTimeout, CancellationToken.None));
        if (!_running.IsCompleted)
        {
            Logger.LogWarning("{Function}: handlers still running after {Timeout}; cancelling them, their input stays for a retry", Function.Name, shutdownTimeout);
            await _handlers.CancelAsync();
            await Task.WhenAny(_running, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
        }
    }

    public void Dispose()
    {
        // Disposed without a stop (a host torn down abruptly): end the loop and the handlers now. The token
        // sources stay undisposed on purpose: the loop may still be reading their tokens as it winds down.
        _stopping.Cancel();
        _handlers.Cancel();
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>The listener's loop; returns when <paramref name="stoppingToken"/> fires and its handlers are done.</summary>
    protected abstract Task ExecuteAsync(CancellationToken stoppingToken);

    protected virtual void DisposeCore()
    {
    }

    private async Task RunAsync()
    {
        try
        {
            await ExecuteAsync(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception ex)
        {
            // Nothing a listener meets may take the host down; the other functions go on.
            Logger.LogCritical(ex, "{Function} stopped listening after an unexpected error", Function.Name);
        }
    }

    /// <summary>True when an exception is the host giving up on a handler at shutdown, not a handler failure.</summary>
    protected bool IsShutdownCancellation(Exception exception) =>
        exception is OperationCanceledException && _handlers.IsCancellationRequested;

    protected async Task InvokeAsync<THandler>(Func<THandler, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var handler = (THandler)ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, Function.HandlerType);
        await call(handler, cancellationToken);
    }

    /// <summary>Waits, returning false instead of throwing when the wait was cancelled.</summary>
    protected static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
