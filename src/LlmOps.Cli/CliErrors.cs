using LlmOps.Lifecycle;
using LlmOps.Registry;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>The clear-error wrapper every command body runs in.</summary>
internal static class CliErrors
{
    /// <summary>The storage error behind an exception: a refused request, or a connection the SDK's retries gave up on.</summary>
    private static Exception? StorageFault(Exception ex) => ex switch
    {
        Azure.RequestFailedException or HttpRequestException => ex,
        AggregateException aggregate => aggregate.InnerExceptions.Select(StorageFault).FirstOrDefault(f => f is not null),
        _ => ex.InnerException is { } inner ? StorageFault(inner) : null,
    };

    /// <summary>Runs a command body; a user error (unknown id, bad name, conflict, refused gate) prints in red and exits 1.</summary>
    public static async Task<int> RunAsync(IAnsiConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (ex is KeyNotFoundException or FormatException or ArgumentException or InvalidOperationException
            or RegistryConflictException or PromotionRefusedException or LifecycleValidationException or FileNotFoundException or InvalidDataException)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return 1;
        }
        catch (Exception ex) when (StorageFault(ex) is { } fault)
        {
            console.MarkupLineInterpolated($"[red]Storage request failed: {fault.Message.Split('\n')[0]}[/] Is the storage account reachable (`llmops up` for the local one)?");
            return 1;
        }
    }
}
