using LlmOps.Lifecycle;
using LlmOps.Lineage;
using LlmOps.Registry;
using LlmOps.Storage;
using LlmOps.Tracking;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>The services one command needs on one storage account, and the clear-error wrapper every command runs in.</summary>
internal sealed class CliServices : IDisposable
{
    public CliServices(string connectionString)
    {
        Storage = new StorageAccount(connectionString);
        Lineage = new LineageStore(Storage, TimeProvider.System);
        Tracker = new ExperimentTracker(Storage, Lineage, TimeProvider.System);
        Lifecycles = new LifecycleCatalog(Storage);
        Registry = new ModelRegistry(Storage, Tracker, Lineage, Lifecycles, TimeProvider.System);
    }

    public StorageAccount Storage { get; }

    public LineageStore Lineage { get; }

    public ExperimentTracker Tracker { get; }

    public LifecycleCatalog Lifecycles { get; }

    public ModelRegistry Registry { get; }

    /// <summary>Runs a command body; a user error (unknown id, bad name, conflict, refused gate) prints in red and exits 1.</summary>
    public static async Task<int> RunAsync(IAnsiConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or FormatException or ArgumentException or InvalidOperationException
            or RegistryConflictException or PromotionRefusedException or LifecycleValidationException or FileNotFoundException)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return 1;
        }
    }

    public void Dispose() => Lifecycles.Dispose();
}
