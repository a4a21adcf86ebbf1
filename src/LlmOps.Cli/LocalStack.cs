using LlmOps.LocalHost;
using LlmOps.Storage;
using Microsoft.Extensions.Logging;

namespace LlmOps.Cli;

/// <summary>Azurite (unless a connection string is given) plus one local host instance: what `up` and `demo` run.</summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private LocalStack(AzuriteServer? azurite, LocalFunctionHost host, string connectionString)
    {
        Azurite = azurite;
        Host = host;
        ConnectionString = connectionString;
    }

    public AzuriteServer? Azurite { get; }

    public LocalFunctionHost Host { get; }

    public string ConnectionString { get; }

    public StorageAccount Storage => new(ConnectionString);

    public static async Task<LocalStack> StartAsync(
        string? connectionString,
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
            };
            foreach (var (key, value) in hostConfiguration)
            {
                settings.Configuration[key] = value;
            }

            settings.Configuration["LlmOps:Storage:ConnectionString"] = connectionString;
            var host = LocalFunctionHost.Create(settings);
            await host.StartAsync(cancellationToken);
            return new LocalStack(azurite, host, connectionString);
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
