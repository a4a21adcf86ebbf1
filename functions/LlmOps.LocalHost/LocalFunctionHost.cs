using System.Net;
using LlmOps.LocalHost.Worker;
using LlmOps.Monitoring;
using LlmOps.Telemetry;
using LlmOps.Triggers;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmOps.LocalHost;

/// <summary>
/// One instance of the local serverless host: every catalog function as a listener (blob, queue, timer) or an
/// HTTP route under /api, over the storage account in <c>LlmOps:Storage:ConnectionString</c>. Several instances
/// may share one account; receipts, leases and the poison queues keep their work apart.
/// </summary>
public sealed class LocalFunctionHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDisposable? _blobWriteFeed;
    private readonly int _rpcPort;
    private int _state; // 0 new, 1 started, 2 stopped

    private LocalFunctionHost(WebApplication app, IDisposable? blobWriteFeed, int rpcPort)
    {
        _app = app;
        _blobWriteFeed = blobWriteFeed;
        _rpcPort = rpcPort;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The Functions app's worker process, which runs the product functions of the catalog.</summary>
    public FunctionWorker Worker => _app.Services.GetRequiredService<FunctionWorker>();

    public HostDiagnostics Diagnostics => _app.Services.GetRequiredService<HostDiagnostics>();

    /// <summary>The HTTP base address (e.g. http://127.0.0.1:7071), known once started.</summary>
    public Uri? HttpAddress { get; private set; }

    public static LocalFunctionHost Create(LocalFunctionHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [.. settings.Args],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TriggerCatalog.HeartbeatScheduleSetting] = TriggerCatalog.DefaultHeartbeatSchedule,
            [TriggerCatalog.DriftTickScheduleSetting] = TriggerCatalog.DefaultDriftTickSchedule,
            [TriggerCatalog.FeedbackCompactScheduleSetting] = TriggerCatalog.DefaultFeedbackCompactSchedule,
            [TriggerCatalog.CanaryCheckScheduleSetting] = TriggerCatalog.DefaultCanaryCheckSchedule,
            [TriggerCatalog.BudgetCheckScheduleSetting] = TriggerCatalog.DefaultBudgetCheckSchedule,
            [TriggerCatalog.RetentionScheduleSetting] = TriggerCatalog.DefaultRetentionSchedule,
        });
        builder.Configuration.AddJsonFile("appsettings.json", optional: true);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine([.. settings.Args]);
        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        settings.ConfigureLogging?.Invoke(builder.Logging);

        var options = builder.Configuration.GetSection(LocalHostOptions.SectionName).Get<LocalHostOptions>() ?? new LocalHostOptions();
        options.Validate();
        var hostJson = LoadHostJson(options);

        // The FunctionRpc endpoint the worker connects to: HTTP/2 without TLS, loopback only, on a port of its own.
        var rpcPort = options.WorkerRpcPort == 0 ? FreeLoopbackPort() : options.WorkerRpcPort;
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, rpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, options.HttpPort);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(o =>
        {
            // Listeners give their handlers ShutdownTimeout, then cancel them and hand their input back; they drain side
            // by side, so a stop waits for the slowest listener, not for the sum of them (one more per blob trigger).
            o.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(15);
            o.ServicesStopConcurrently = true;
        });
        builder.Services.AddLlmOps(builder.Configuration);
        builder.Services.AddLlmOpsTelemetry(builder.Configuration, "llmops-local-host");
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(hostJson);
        builder.Services.AddSingleton(settings.Catalog);
        builder.Services.AddSingleton<HostDiagnostics>();
        builder.Services.AddSingleton<BlobReceiptStore>();
        var notices = new BlobWriteNotices();
        builder.Services.AddSingleton(notices);
        builder.Services.AddSingleton<TimerScheduleMonitor>();
        builder.Services.AddSingleton<FunctionKeyStore>();
        builder.Services.AddSingleton<FunctionWorker>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        // Hosted services start in order: storage is provisioned before any listener runs.
        builder.Services.AddHostedService<StorageProvisioningService>();
        builder.Services.AddHostedService<StagedPartsExpiryService>();
        HostStatusPublisher.Register(builder.Services, builder.Configuration, InvocationTelemetry.LocalHost);
        var disabled = settings.Catalog.Functions.Where(f => IsDisabled(builder.Configuration, f)).ToList();
        foreach (var function in settings.Catalog.Functions.Except(disabled))
        {
            switch (function.Kind)
            {
                case TriggerKind.Blob:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<BlobTriggerListener>(sp, function));
                    break;
                case TriggerKind.Queue:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggerListener>(sp, function));
                    break;
                case TriggerKind.Timer:
                    // Parse now so a bad schedule fails the start, not the first tick.
                    TimerTriggerListener.ParseSchedule(function, builder.Configuration);
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerTriggerListener>(sp, function));
                    break;
                case TriggerKind.Http:
                    break;
                default:
                    throw new InvalidOperationException($"Function {function.Name} has an unknown trigger kind {function.Kind}.");
            }
        }

        settings.ConfigureServices?.Invoke(builder.Services);
        var app = builder.Build();
        HttpTriggerEndpoints.Map(app, [.. settings.Catalog.Functions.Except(disabled)]);
        if (settings.Catalog.Functions.Except(disabled).Any(f => f.Name == TriggerCatalog.Console))
        {
            // The web console at the host's root: http://127.0.0.1:7071/?code=KEY opens /api/console?code=KEY.
            app.MapGet("/", context =>
            {
                context.Response.Redirect("/api/console" + context.Request.QueryString.Value);
                return Task.CompletedTask;
            });
        }

        foreach (var function in disabled)
        {
            app.Services.GetRequiredService<ListenerStates>().Set(function.Name, function.Kind.ToString(), ListenerState.Disabled, $"{DisabledSetting(function)} is true");
        }

        app.MapGrpcService<FunctionRpcService>().RequireHost($"*:{rpcPort}");
        // A stop (Ctrl+C, SIGTERM or StopAsync) first drains the listeners, whose running invocations need the worker and
        // its gRPC stream, then terminates the worker, and only then lets the web server (and that stream) go.
        app.Lifetime.ApplicationStopping.Register(() => DrainAsync(app.Services).GetAwaiter().GetResult());
        return new LocalFunctionHost(app, settings.BlobWriteFeed?.Invoke(notices), rpcPort);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Worker.EnsureAppExists();
        await _app.StartAsync(cancellationToken);
        Interlocked.Exchange(ref _state, 1);
        // Listening now: the worker can connect back. Listeners' invocations wait for it to be ready.
        Worker.Start(_rpcPort);
        HttpAddress = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)))
            .FirstOrDefault(a => a.Port != _rpcPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) == 1)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        // Waits for Ctrl+C, SIGTERM or the token, then stops the host itself.
        await _app.WaitForShutdownAsync(cancellationToken);
        Interlocked.Exchange(ref _state, 2);
    }

    /// <summary>Stops the host if it still runs (handlers finish or hand their input back), then releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _blobWriteFeed?.Dispose();
        await _app.DisposeAsync();
    }

    public Task<FunctionKeys> GetKeysAsync(CancellationToken cancellationToken = default) =>
        _app.Services.GetRequiredService<FunctionKeyStore>().GetKeysAsync(cancellationToken);

    private static async Task DrainAsync(IServiceProvider services)
    {
        await Task.WhenAll(services.GetServices<IHostedService>().OfType<TriggerListener>().Select(l => l.StopAsync(CancellationToken.None)));
        await services.GetRequiredService<FunctionWorker>().StopAsync();
    }

    /// <summary>The Functions app setting that disables a function, honoured here as the Functions host does.</summary>
    public static string DisabledSetting(FunctionDefinition function) => $"AzureWebJobs.{function.Name}.Disabled";

    private static bool IsDisabled(ConfigurationManager configuration, FunctionDefinition function) =>
        bool.TryParse(configuration[DisabledSetting(function)], out var disabled) && disabled;

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static HostJsonSettings LoadHostJson(LocalHostOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.HostJsonPath))
        {
            return HostJsonSettings.Load(options.HostJsonPath);
        }

        var besideBinary = Path.Combine(AppContext.BaseDirectory, "host.json");
        return File.Exists(besideBinary) ? HostJsonSettings.Load(besideBinary) : HostJsonSettings.Default;
    }
}
