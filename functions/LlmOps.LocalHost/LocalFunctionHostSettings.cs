using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.LocalHost;

/// <summary>How to build one local host instance.</summary>
public sealed class LocalFunctionHostSettings
{
    /// <summary>Command-line arguments, read as configuration (<c>--LlmOps:Host:HttpPort=0</c>).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The functions to run; the product catalog unless a test brings its own.</summary>
    public FunctionCatalog Catalog { get; init; } = FunctionCatalog.Product;

    /// <summary>Configuration values laid over appsettings, environment and arguments (tests, the CLI).</summary>
    public IDictionary<string, string?> Configuration { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>
    /// Connects the host's <see cref="BlobWriteNotices"/> to a source of blob writes (the access log of the Azurite
    /// `llmops up` started) for as long as the host lives; the handle it returns is disposed with the host. Without
    /// one, blob triggers find blobs by their sweeps alone.
    /// </summary>
    public Func<BlobWriteNotices, IDisposable>? BlobWriteFeed { get; init; }

    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
