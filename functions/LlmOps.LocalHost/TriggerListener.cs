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
public abstract class TriggerListener(FunctionDefinition function, IServiceProvider services, ILogger logger) : BackgroundService
{
    private readonly CancellationTokenSource _handlers = new();

    public FunctionDefinition Function { get; } = function;

    protected ILogger Logger { get; } = logger;

    /// <summary>Cancelled only when a stop runs out of patience with running handlers.</summary>
    protected CancellationToken HandlerStopping => _handlers.Token;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(_handlers.Cancel))
        {
            await base.StopAsync(cancellationToken);
        }

        if (ExecuteTask is { IsCompleted: false } running)
        {
            // Handlers were cancelled: give them a moment to hand their input back.
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
        }
    }

    public override void Dispose()
    {
        _handlers.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
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
