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

    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
