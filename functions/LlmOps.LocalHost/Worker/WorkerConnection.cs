using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using LlmOps.LocalHost.Rpc;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost.Worker;

/// <summary>
/// One worker process and its EventStream: requests go out through one writer, answers are matched to their request id,
/// and when the process or its stream ends every request still waiting fails with <see cref="WorkerUnavailableException"/>.
/// </summary>
internal sealed class WorkerConnection : IDisposable
{
    private readonly Channel<StreamingMessage> _outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int?> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private readonly ILogger _workerLogger;

    public WorkerConnection(string workerId, Process process, ILogger logger, ILogger workerLogger)
    {
        WorkerId = workerId;
        Process = process;
        _logger = logger;
        _workerLogger = workerLogger;
    }

    public string WorkerId { get; }

    public Process Process { get; }

    /// <summary>Set once the worker has opened its EventStream.</summary>
    public Task Attached => _attached.Task;

    /// <summary>Completes with the reason when the process exits or its stream ends.</summary>
    public Task<string> Ended => _ended.Task;

    public bool IsEnded => _ended.Task.IsCompleted;

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int?> Exited => _exited.Task;

    /// <summary>Called when the process exits: records its exit code and ends the connection.</summary>
    public void MarkExited(int? exitCode)
    {
        _exited.TrySetResult(exitCode);
        End($"the worker process exited with code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}");
    }

    /// <summary>Number of invocations sent and not answered yet.</summary>
    public int InFlight => _pending.Count(p => p.Key.StartsWith(InvocationPrefix, StringComparison.Ordinal));

    private const string InvocationPrefix = "inv-";

    public static string InvocationRequestId(string invocationId) => InvocationPrefix + invocationId;

    /// <summary>Serves the stream the worker opened until it ends (the gRPC call's lifetime).</summary>
    public async Task ServeAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken callEnded)
    {
        _attached.TrySetResult();
        var writer = WriteAsync(responses, callEnded);
        try
        {
            while (await requests.MoveNext(callEnded))
            {
                Receive(requests.Current);
            }

            End("the worker closed its stream");
        }
        catch (Exception ex) when (ex is IOException or Grpc.Core.RpcException or OperationCanceledException or InvalidOperationException)
        {
            End($"the worker's stream broke ({ex.GetType().Name}: {ex.Message.Split('\n')[0]})");
        }

        _outgoing.Writer.TryComplete();
        await writer;
    }

    /// <summary>Sends a request and waits for the message that answers it (the worker echoes the request id).</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(request.RequestId, answer))
        {
            throw new InvalidOperationException($"Request id {request.RequestId} is already waiting for an answer.");
        }

        try
        {
            if (IsEnded)
            {
                throw new WorkerUnavailableException($"The worker is gone: {_ended.Task.Result}");
            }

            await _outgoing.Writer.WriteAsync(request, cancellationToken);
            return await answer.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(request.RequestId, out _);
        }
    }

    /// <summary>Sends a message that has no answer (a cancellation, a terminate).</summary>
    public void Send(StreamingMessage message) => _outgoing.Writer.TryWrite(message);

    /// <summary>Marks the connection over and fails everything still waiting on it.</summary>
    public void End(string reason)
    {
        if (!_ended.TrySetResult(reason))
        {
            return;
        }

        _attached.TrySetException(new WorkerUnavailableException(reason));
        _outgoing.Writer.TryComplete();
        foreach (var (id, waiting) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                waiting.TrySetException(new WorkerUnavailableException($"The worker (pid {ProcessId}) is gone before it answered: {reason}"));
            }
        }
    }

    public int ProcessId
    {
        get
        {
            try
            {
                return Process.Id;
            }
            catch (InvalidOperationException)
            {
                return 0;
            }
        }
    }

    /// <summary>Kills the process and everything it started.</summary>
    public void Kill()
    {
        try
        {
            Process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        End("the host let go of the worker");
        Process.Dispose();
    }

    private void Receive(StreamingMessage message)
    {
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            Log(message.RpcLog);
            return;
        }

        var id = message.ContentCase == StreamingMessage.ContentOneofCase.InvocationResponse
            ? InvocationRequestId(message.InvocationResponse.InvocationId)
            : message.RequestId;
        if (_pending.TryRemove(id, out var waiting))
        {
            waiting.TrySetResult(message);
        }
        else
        {
            _logger.LogDebug("Worker {WorkerId} sent {Content} for request {RequestId}, which nothing waits for", WorkerId, message.ContentCase, message.RequestId);
        }
    }

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken callEnded)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(callEnded))
            {
                await responses.WriteAsync(message, callEnded);
            }
        }
        catch (Exception ex) when (ex is IOException or Grpc.Core.RpcException or OperationCanceledException or InvalidOperationException)
        {
            End($"writing to the worker failed ({ex.GetType().Name})");
        }
    }

    private void Log(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (level == LogLevel.None || !_workerLogger.IsEnabled(level))
        {
            return;
        }

        if (log.Exception is { } error)
        {
            _workerLogger.Log(level, "[{Category}] {Message} ({ExceptionType}: {ExceptionMessage})", log.Category, log.Message, error.Type, error.Message);
        }
        else
        {
            _workerLogger.Log(level, "[{Category}] {Message}", log.Category, log.Message);
        }
    }
}
