using LlmOps.LocalHost.Worker;
using LlmOps.Monitoring;
using LlmOps.Telemetry;
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
    private readonly ListenerStates? _states = services.GetService<ListenerStates>();
    private Task? _running;

    /// <summary>The Functions worker when this function runs there (a product function); null runs its handler in process.</summary>
    protected FunctionWorker? Worker { get; } = services.GetService<FunctionWorker>() is { } worker && worker.Runs(function) ? worker : null;

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

    /// <summary>Reports the listener healthy (it just reached storage).</summary>
    protected void MarkListening() => _states?.Set(Function.Name, Function.Kind.ToString(), ListenerState.Listening);

    /// <summary>Reports how many inputs are claimed and not finished yet (`llmops status`).</summary>
    protected void ReportPending(int pending) => _states?.SetPending(Function.Name, pending);

    /// <summary>Reports a fault the listener is retrying; health says unhealthy until it recovers.</summary>
    protected void MarkFaulted(Exception error) => _states?.Set(Function.Name, Function.Kind.ToString(), ListenerState.Faulted, $"{error.GetType().Name}: {error.Message.Split('\n')[0]}");

    /// <summary>
    /// Runs the listener's loop and restarts it, with backoff up to <see cref="MaxRestartDelay"/>, whatever it fails
    /// on (a storage outage surfaces as many exception types): a listener stops only when the host stops.
    /// </summary>
    private async Task RunAsync()
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!_stopping.IsCancellationRequested)
        {
            var started = DateTime.UtcNow;
            MarkListening();
            try
            {
                await ExecuteAsync(_stopping.Token);
                if (_stopping.IsCancellationRequested)
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Nothing a listener meets may take the host down or end it for good; the other functions go on.
                MarkFaulted(ex);
                if (DateTime.UtcNow - started > MaxRestartDelay)
                {
                    delay = TimeSpan.FromSeconds(1);
                }

                Logger.LogError(ex, "{Function} failed; listening again in {Delay}", Function.Name, delay);
                if (!await DelayAsync(delay, _stopping.Token))
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRestartDelay.Ticks));
            }
        }

        _states?.Set(Function.Name, Function.Kind.ToString(), ListenerState.Stopped);
    }

    /// <summary>The longest wait before a failed listener starts again.</summary>
    protected static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    /// <summary>True when an exception is the host giving up on a handler at shutdown, not a handler failure.</summary>
    protected bool IsShutdownCancellation(Exception exception) =>
        exception is OperationCanceledException && _handlers.IsCancellationRequested;

    /// <summary>
    /// The invocation's span (and, when the handler runs here, its metrics); a worker invocation started inside it
    /// carries it as the parent, so the worker's span joins the same trace.
    /// </summary>
    protected InvocationTelemetry StartInvocation(string? inputId, long attempt) =>
        InvocationTelemetry.Start(Function.Name, Function.Kind, inputId, attempt, InvocationTelemetry.LocalHost, recordsMetrics: Worker is null);

    protected async Task InvokeAsync<THandler>(Func<THandler, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var handler = (THandler)ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, Function.HandlerType);
        await call(handler, cancellationToken);
    }

    /// <summary>Runs a queue or blob handler in its own scope; a permanent <c>LlmOpsException</c> reads as a dead-letter outcome.</summary>
    protected async Task<HandlerOutcome> InvokeAsync<THandler>(Func<THandler, CancellationToken, Task<HandlerOutcome>> call, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var handler = (THandler)ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, Function.HandlerType);
        return await DeadLetters.RunAsync(() => call(handler, cancellationToken));
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
