using LlmOps.Development;
using LlmOps.Errors;
using LlmOps.LocalHost;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.Cli;

/// <summary>Azurite (unless a connection string is given) plus one local host instance: what `up` and `demo` run.</summary>
internal sealed partial class LocalStack : IAsyncDisposable
{
    private LocalStack(AzuriteServer? azurite, LocalFunctionHost host, string connectionString, string? prefix)
    {
        Azurite = azurite;
        Host = host;
        ConnectionString = connectionString;
        Prefix = prefix;
    }

    public AzuriteServer? Azurite { get; }

    public LocalFunctionHost Host { get; }

    public string ConnectionString { get; }

    /// <summary>The storage name prefix the host runs with (--storage-prefix), or null.</summary>
    public string? Prefix { get; }

    public StorageAccount Storage => new(ConnectionString, Prefix);

    public static async Task<LocalStack> StartAsync(
        string? connectionString,
        string? prefix,
        AzuriteOptions azuriteOptions,
        IDictionary<string, string?> hostConfiguration,
        LogLevel logLevel,
        CancellationToken cancellationToken)
    {
        AzuriteServer? azurite = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                azurite = await AzuriteServer.StartAsync(azuriteOptions, cancellationToken);
            }
            catch (InvalidOperationException ex) when (PortInUse().Match(ex.Message) is { Success: true } taken)
            {
                throw LlmOpsException.Conflict(
                    $"Port {taken.Groups["port"].Value} is already in use, so Azurite cannot start there (another `llmops up` or Azurite?): stop it, use that storage with --connection-string, or pass --random-ports.", ex);
            }

            connectionString = azurite.ConnectionString;
        }

        try
        {
            var settings = new LocalFunctionHostSettings
            {
                // A host that cannot start says why in one line (below); its own "Hosting failed to start" log would
                // print the same error again with a stack trace.
                ConfigureLogging = logging => logging.SetMinimumLevel(logLevel).AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical),
                // Blob triggers hear of each write from the Azurite started here, and sweep as the backstop.
                BlobWriteFeed = azurite is null ? null : notices => azurite.WatchBlobWrites(notices.Publish),
            };
            foreach (var (key, value) in hostConfiguration.Where(setting => setting.Value is not null))
            {
                settings.Configuration[key] = value;
            }

            settings.Configuration["LlmOps:Storage:ConnectionString"] = connectionString;
            settings.Configuration["LlmOps:Storage:Prefix"] = prefix;
            var host = LocalFunctionHost.Create(settings);
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (IOException ex) when (AddressInUse(ex))
            {
                await host.DisposeAsync();
                var port = hostConfiguration.TryGetValue("LlmOps:Host:HttpPort", out var value) ? value : "7071";
                throw LlmOpsException.Conflict($"Port {port} is already in use (another `llmops up`?): stop what holds it, or pass --port with another port (--port 0 picks a free one).", ex);
            }

            return new LocalStack(azurite, host, connectionString, prefix);
        }
        catch
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>What Node prints when Azurite's port is taken: "listen EADDRINUSE: address already in use 127.0.0.1:10000".</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"EADDRINUSE\S*: address already in use \S*:(?<port>\d+)")]
    private static partial System.Text.RegularExpressions.Regex PortInUse();

    /// <summary>Kestrel's bind failure: an AddressInUseException (or the socket error under it) somewhere in the chain.</summary>
    private static bool AddressInUse(Exception? ex) =>
        ex is not null && (ex.GetType().Name == "AddressInUseException" || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || AddressInUse(ex.InnerException));

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        await Host.DisposeAsync();
        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }
    }
}
