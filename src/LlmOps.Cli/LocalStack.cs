using LlmOps.Development;
using LlmOps.LocalHost;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.Cli;

/// <summary>Azurite (unless a connection string is given) plus one local host instance: what `up` and `demo` run.</summary>
internal sealed class LocalStack : IAsyncDisposable
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
            azurite = await AzuriteServer.StartAsync(azuriteOptions, cancellationToken);
            connectionString = azurite.ConnectionString;
        }

        try
        {
            var settings = new LocalFunctionHostSettings
            {
                ConfigureLogging = logging => logging.SetMinimumLevel(logLevel),
                // Blob triggers hear of each write from the Azurite started here, and sweep as the backstop.
                BlobWriteFeed = azurite is null ? null : notices => azurite.WatchBlobWrites(notices.Publish),
            };
            foreach (var (key, value) in hostConfiguration)
            {
                settings.Configuration[key] = value;
            }

            settings.Configuration["LlmOps:Storage:ConnectionString"] = connectionString;
            settings.Configuration["LlmOps:Storage:Prefix"] = prefix;
            var host = LocalFunctionHost.Create(settings);
            await host.StartAsync(cancellationToken);
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
