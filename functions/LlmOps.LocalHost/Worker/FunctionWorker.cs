using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LlmOps.LocalHost.Rpc;
using LlmOps.Monitoring;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost.Worker;

/// <summary>
/// The Functions app (functions/LlmOps.Functions) as the Functions host runs it: a child process that connects back to
/// this host's FunctionRpc endpoint, is initialized (WorkerInitRequest), tells its functions (FunctionsMetadataRequest),
/// loads them (FunctionLoadRequest) and runs each invocation the listeners send it (InvocationRequest). A worker that
/// exits or stops answering status requests is replaced, with backoff; whatever it was running fails with
/// <see cref="WorkerUnavailableException"/>, so the listener that sent it retries it by its usual rules.
/// </summary>
public sealed partial class FunctionWorker : IAsyncDisposable
{
    /// <summary>The listener state name under which /api/health reports the worker.</summary>
    public const string HealthName = "worker";

    public const string DefaultStorageConnection = "AzureWebJobsStorage";

    private readonly FunctionCatalog _catalog;
    private readonly LocalHostOptions _options;
    private readonly IConfiguration _configuration;
    private readonly StorageAccount _storage;
    private readonly ListenerStates _states;
    private readonly HostDiagnostics _diagnostics;
    private readonly ILogger _logger;
    private readonly ILogger _workerLogger;
    private readonly HashSet<string> _functions;
    private readonly ConcurrentDictionary<string, WorkerConnection> _launching = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _http;
    private TaskCompletionSource<WorkerConnection> _ready = NewReady();
    private Dictionary<string, LoadedFunction> _loaded = new(StringComparer.Ordinal);
    private Task? _supervisor;
    private int _starts;
    private int _terminating;

    public FunctionWorker(FunctionCatalog catalog, LocalHostOptions options, IConfiguration configuration, StorageAccount storage, ListenerStates states, HostDiagnostics diagnostics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _configuration = configuration;
        _storage = storage;
        _states = states;
        _diagnostics = diagnostics;
        _logger = loggers.CreateLogger<FunctionWorker>();
        _workerLogger = loggers.CreateLogger("LlmOps.Functions");
        _catalog = catalog;
        _functions = catalog.Functions.Where(catalog.InWorker).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The built app the host starts: LlmOps:Host:WorkerPath, else the LlmOps.Functions build beside this repository's host.</summary>
    public string AppPath => string.IsNullOrWhiteSpace(_options.WorkerPath) ? DefaultAppPath : Path.GetFullPath(_options.WorkerPath);

    public static string DefaultAppPath { get; } =
        typeof(FunctionWorker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FunctionsWorkerPath")?.Value ?? "LlmOps.Functions.dll";

    /// <summary>True when any function of the catalog runs in the worker (else no worker is started).</summary>
    public bool IsNeeded => _functions.Count > 0;

    public WorkerState State { get; private set; } = WorkerState.Stopped;

    /// <summary>The running worker's process id; 0 while none runs.</summary>
    public int ProcessId => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result.ProcessId : 0;

    /// <summary>How many worker processes were started (the first one and every replacement).</summary>
    public int Starts => _starts;

    /// <summary>Invocations sent to the running worker and not answered yet.</summary>
    public int InFlight => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result.InFlight : 0;

    /// <summary>The exit code of a worker that exited by itself after WorkerTerminate; null when none did (it was killed).</summary>
    public int? LastExitCode { get; private set; }

    /// <summary>How long the last worker took from process start to loaded functions.</summary>
    public TimeSpan? LastStartDuration { get; private set; }

    /// <summary>The functions the running worker loaded.</summary>
    public IReadOnlyCollection<string> LoadedFunctions => _loaded.Keys;

    /// <summary>"pid N, M functions loaded in S s": for `llmops up` and the demo.</summary>
    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetFileName(AppPath)} pid {ProcessId}, {LoadedFunctions.Count} functions loaded over FunctionRpc in {LastStartDuration?.TotalSeconds:0.0} s");

    /// <summary>True when <paramref name="function"/> is dispatched to the worker rather than run in this process.</summary>
    public bool Runs(FunctionDefinition function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return _functions.Contains(function.Name) && _catalog.InWorker(function);
    }

    /// <summary>Starts the worker (and keeps one running) against the FunctionRpc endpoint on <paramref name="grpcPort"/>.</summary>
    public void Start(int grpcPort)
    {
        if (!IsNeeded || _supervisor is not null)
        {
            return;
        }

        EnsureAppExists();
        State = WorkerState.Starting;
        _supervisor = Task.Run(() => SuperviseAsync(grpcPort));
    }

    /// <summary>Fails with what to do when the worker is needed and its app is not built where the host looks.</summary>
    public void EnsureAppExists()
    {
        if (IsNeeded && !File.Exists(AppPath))
        {
            throw new InvalidOperationException(
                $"The Functions app is not built at {AppPath}: build functions/LlmOps.Functions (dotnet build) or set LlmOps:Host:WorkerPath to its LlmOps.Functions.dll.");
        }
    }

    /// <summary>Waits for the running worker, starting or restarting, for at most LlmOps:Host:WorkerStartTimeout.</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken) => await ReadyConnectionAsync(cancellationToken);

    /// <summary>Sends WorkerTerminate with the grace period, waits for the process to exit within it, then kills it.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _terminating, 1) == 1)
        {
            return;
        }

        if (_ready.Task.IsCompletedSuccessfully && _ready.Task.Result is { IsEnded: false } connection)
        {
            connection.Send(new StreamingMessage { RequestId = NewId(), WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(_options.WorkerTerminateGrace) } });
            var pid = connection.ProcessId;
            try
            {
                LastExitCode = await connection.Exited.WaitAsync(_options.WorkerTerminateGrace);
            }
            catch (TimeoutException)
            {
                _logger.LogWarning("The worker (pid {Pid}) did not exit within {Grace} of WorkerTerminate; killing it", pid, _options.WorkerTerminateGrace);
            }
        }

        await _stopping.CancelAsync();

        foreach (var launching in _launching.Values)
        {
            launching.End("the host is stopping");
            launching.Kill();
        }

        if (_supervisor is not null)
        {
            await _supervisor;
        }

        State = WorkerState.Stopped;
        _states.Set(HealthName, ListenerState.WorkerTrigger, ListenerState.Stopped);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Called by the FunctionRpc service when a worker opens its EventStream with StartStream.</summary>
    internal Task AttachAsync(string workerId, IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken callEnded)
    {
        if (!_launching.TryGetValue(workerId, out var connection) || connection.Attached.IsCompleted)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.PermissionDenied, $"No worker with id '{workerId}' was started by this host."));
        }

        return connection.ServeAsync(requests, responses, callEnded);
    }

    /// <summary>Runs a function in the worker with the trigger input the caller adds; throws when it failed there.</summary>
    internal async Task InvokeAsync(string function, Action<LoadedFunction, InvocationRequest> fill, Func<LoadedFunction, string, Task>? beside, CancellationToken cancellationToken)
    {
        var connection = await ReadyConnectionAsync(cancellationToken);
        var loaded = _loaded[function];
        var invocationId = Guid.NewGuid().ToString();
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = loaded.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = Activity.Current?.Id ?? "", TraceState = Activity.Current?.TraceStateString ?? "" },
            RetryContext = new RetryContext(),
        };
        fill(loaded, request);
        var message = new StreamingMessage { RequestId = WorkerConnection.InvocationRequestId(invocationId), InvocationRequest = request };
        // An invocation the caller gives up on (host stopping, lease lost) is cancelled in the worker too.
        using var cancel = cancellationToken.Register(() => connection.Send(new StreamingMessage { RequestId = NewId(), InvocationCancel = new InvocationCancel { InvocationId = invocationId } }));
        var side = beside?.Invoke(loaded, invocationId);
        var pending = connection.RequestAsync(message, Timeout.InfiniteTimeSpan, cancellationToken);
        if (side is not null && await Task.WhenAny(pending, side) == side && !side.IsCompletedSuccessfully)
        {
            // What runs beside the invocation (the proxied HTTP request) failed: the worker would wait for it in vain.
            connection.Send(new StreamingMessage { RequestId = NewId(), InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
            _ = pending.ContinueWith(t => t.Exception, TaskScheduler.Default);
            await side;
        }

        StreamingMessage answer;
        try
        {
            answer = await pending;
        }
        catch when (side is not null)
        {
            // The proxied request is abandoned with the invocation; its own fault is not the one to report.
            _ = side.ContinueWith(t => t.Exception, TaskScheduler.Default);
            throw;
        }

        var result = answer.InvocationResponse.Result;
        if (result.Status != StatusResult.Types.Status.Success)
        {
            var error = result.Exception;
            throw new FunctionInvocationException(
                $"{function} failed in the worker ({result.Status}): {error?.Type ?? "error"}: {error?.Message ?? result.Result}");
        }

        if (side is not null)
        {
            await side;
        }
    }

    private async Task<WorkerConnection> ReadyConnectionAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(_options.WorkerStartTimeout);
        try
        {
            while (true)
            {
                var connection = await _ready.Task.WaitAsync(timeout.Token);
                if (!connection.IsEnded)
                {
                    return connection;
                }

                // Ended, and not replaced yet: the supervisor swaps in the next worker's readiness in a moment.
                await Task.Delay(10, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WorkerUnavailableException(_stopping.IsCancellationRequested
                ? "The host is stopping; the worker takes no more invocations."
                : $"The Functions worker was not ready within {_options.WorkerStartTimeout} (state {State}).");
        }
    }

    private async Task SuperviseAsync(int grpcPort)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!_stopping.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            WorkerConnection? connection = null;
            try
            {
                connection = Launch(grpcPort);
                await InitializeAsync(connection);
                LastStartDuration = started.Elapsed;
                State = WorkerState.Ready;
                _states.Set(HealthName, ListenerState.WorkerTrigger, ListenerState.Listening);
                _logger.LogInformation("Functions worker (pid {Pid}) ready with {Count} functions in {Elapsed:F2} s", connection.ProcessId, _loaded.Count, started.Elapsed.TotalSeconds);
                _ready.TrySetResult(connection);
                await MonitorAsync(connection);
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                _logger.LogError(ex, "The Functions worker failed to start");
                connection?.End($"start failed: {ex.Message}");
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                // Stopping: the worker was told to terminate or is being killed.
            }

            if (connection is not null)
            {
                var reason = connection.IsEnded ? connection.Ended.Result : "replaced";
                var pid = connection.ProcessId;
                if (Volatile.Read(ref _terminating) == 1)
                {
                    // Told to terminate: its stream closes first, then the process exits by itself within the grace.
                    await Task.WhenAny(connection.Exited, Task.Delay(_options.WorkerTerminateGrace, CancellationToken.None));
                }

                connection.End(reason);
                connection.Kill();
                _launching.TryRemove(connection.WorkerId, out _);
                connection.Dispose();
                if (_stopping.IsCancellationRequested || Volatile.Read(ref _terminating) == 1)
                {
                    break;
                }

                _logger.LogError("The Functions worker (pid {Pid}) is down: {Reason}; starting another in {Delay}", pid, reason, delay);
                State = WorkerState.Down;
                _states.Set(HealthName, ListenerState.WorkerTrigger, ListenerState.Faulted, reason);
                if (_ready.Task.IsCompleted)
                {
                    _ready = NewReady();
                }
            }

            if (started.Elapsed > TimeSpan.FromMinutes(1))
            {
                delay = TimeSpan.FromSeconds(1);
            }

            try
            {
                await Task.Delay(delay, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.WorkerMaxRestartDelay.Ticks));
        }
    }

    private WorkerConnection Launch(int grpcPort)
    {
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var appDirectory = Path.GetDirectoryName(AppPath)!;
        var endpoint = $"http://127.0.0.1:{grpcPort}/";
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = appDirectory,
        };
        foreach (var argument in (string[])[
            "exec", AppPath,
            "--host", "127.0.0.1", "--port", grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--functions-uri", endpoint, "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in AppSettings(appDirectory))
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var connection = new WorkerConnection(workerId, process, _logger, _workerLogger);
        _launching[workerId] = connection;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                _workerLogger.LogDebug("{Line}", line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                _workerLogger.LogWarning("{Line}", line);
            }
        };
        process.Exited += (_, _) => connection.MarkExited(ExitCode(process));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Interlocked.Increment(ref _starts);
        return connection;
    }

    /// <summary>The app settings the worker reads, as the Functions host passes them: environment variables.</summary>
    private Dictionary<string, string?> AppSettings(string appDirectory)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory,
            ["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory,
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
        };
        foreach (var (key, value) in _configuration.AsEnumerable())
        {
            if (value is not null && (key.StartsWith("LlmOps:", StringComparison.OrdinalIgnoreCase) || key.StartsWith(DefaultStorageConnection, StringComparison.OrdinalIgnoreCase)))
            {
                settings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }

        // The worker's storage bindings read the account from AzureWebJobsStorage: the account this host listens on.
        if (_storage.ConnectionString is { } connectionString)
        {
            settings[DefaultStorageConnection] = connectionString;
        }

        return settings;
    }

    private async Task InitializeAsync(WorkerConnection connection)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.WorkerStartTimeout);
        try
        {
            await Task.WhenAny(connection.Attached, connection.Ended).Unwrap().WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            throw new WorkerUnavailableException($"The worker (pid {connection.ProcessId}) did not connect within {_options.WorkerStartTimeout}.");
        }

        if (connection.IsEnded)
        {
            throw new WorkerUnavailableException($"The worker (pid {connection.ProcessId}) ended before it connected: {connection.Ended.Result}");
        }

        var appDirectory = Path.GetDirectoryName(AppPath)!;
        var init = new WorkerInitRequest { HostVersion = "4.0.0-llmops", WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        var initialized = (await connection.RequestAsync(new StreamingMessage { RequestId = NewId(), WorkerInitRequest = init }, _options.WorkerStartTimeout, timeout.Token)).WorkerInitResponse;
        Check(initialized.Result, "WorkerInitRequest");
        var httpUri = initialized.Capabilities.TryGetValue("HttpUri", out var uri) ? new Uri(uri) : null;

        var metadata = (await connection.RequestAsync(
            new StreamingMessage { RequestId = NewId(), FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
            _options.WorkerStartTimeout,
            timeout.Token)).FunctionMetadataResponse;
        Check(metadata.Result, "FunctionsMetadataRequest");
        var byName = metadata.FunctionMetadataResults.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var missing = _functions.Where(f => !byName.ContainsKey(f)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The Functions app at {AppPath} has no function named {string.Join(", ", missing)}: rebuild functions/LlmOps.Functions.");
        }

        var loaded = new Dictionary<string, LoadedFunction>(StringComparer.Ordinal);
        foreach (var name in _functions)
        {
            var function = byName[name];
            var load = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function };
            var response = (await connection.RequestAsync(new StreamingMessage { RequestId = NewId(), FunctionLoadRequest = load }, _options.WorkerStartTimeout, timeout.Token)).FunctionLoadResponse;
            Check(response.Result, $"FunctionLoadRequest for {name}");
            loaded[name] = LoadedFunction.From(function, httpUri);
        }

        // The worker connects over gRPC before its own HTTP server listens: it is ready once that answers too.
        if (httpUri is not null)
        {
            await WaitForListenerAsync(connection, httpUri, timeout.Token);
        }

        _loaded = loaded;
    }

    private static async Task WaitForListenerAsync(WorkerConnection connection, Uri httpUri, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(httpUri.Host, httpUri.Port, cancellationToken);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (!connection.IsEnded)
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (System.Net.Sockets.SocketException)
            {
                throw new WorkerUnavailableException($"The worker ended before its HTTP endpoint {httpUri} listened: {connection.Ended.Result}");
            }
        }
    }

    private async Task MonitorAsync(WorkerConnection connection)
    {
        while (!connection.IsEnded && !_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAny(connection.Ended, Task.Delay(_options.WorkerStatusInterval, _stopping.Token));
                if (connection.IsEnded || _stopping.IsCancellationRequested)
                {
                    return;
                }

                await connection.RequestAsync(new StreamingMessage { RequestId = NewId(), WorkerStatusRequest = new WorkerStatusRequest() }, _options.WorkerHangTimeout, _stopping.Token);
            }
            catch (TimeoutException)
            {
                _diagnostics.Increment(HostDiagnostics.WorkerHung, "worker");
                connection.End($"it did not answer a status request within {_options.WorkerHangTimeout}");
                return;
            }
            catch (Exception ex) when (ex is OperationCanceledException or WorkerUnavailableException)
            {
                return;
            }
        }
    }

    private static void Check(StatusResult result, string step)
    {
        if (result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"The worker refused {step}: {result.Exception?.Type}: {result.Exception?.Message ?? result.Result}");
        }
    }

    private static int? ExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static TaskCompletionSource<WorkerConnection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
