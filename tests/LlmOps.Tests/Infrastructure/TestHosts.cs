using LlmOps.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.Tests.Infrastructure;

/// <summary>Builds local host instances against the shared Azurite with a test's own catalog and handlers.</summary>
public static class TestHosts
{
    public static async Task<LocalFunctionHost> StartAsync(
        FunctionCatalog catalog,
        Action<IServiceCollection>? services = null,
        IDictionary<string, string?>? configuration = null,
        string? prefix = null,
        bool blobWriteNotices = true)
    {
        var azurite = await SharedAzurite.GetAsync();
        var settings = new LocalFunctionHostSettings
        {
            Catalog = catalog,
            ConfigureServices = services,
            ConfigureLogging = logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning),
            // As `llmops up` runs: blob triggers hear of writes from Azurite's access log (a test of the sweep alone turns it off).
            BlobWriteFeed = blobWriteNotices ? notices => azurite.WatchBlobWrites(notices.Publish) : null,
        };
        settings.Configuration["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString;
        settings.Configuration["LlmOps:Storage:Prefix"] = prefix;
        settings.Configuration["LlmOps:Host:HttpPort"] = "0";
        settings.Configuration["LlmOps:Host:BlobPollInterval"] = "00:00:00.100";
        settings.Configuration["LlmOps:Host:TimerLockRetryInterval"] = "00:00:00.200";
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            settings.Configuration[key] = value;
        }

        var host = LocalFunctionHost.Create(settings);
        await host.StartAsync();
        return host;
    }
}
