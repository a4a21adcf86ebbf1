using LlmOps.Errors;
using Spectre.Console;
using LlmOps.Triggers;

namespace LlmOps.Cli;

/// <summary>The clear-error wrapper every command body runs in: maps failures to exit codes in one place (README, "Exit codes").</summary>
internal static class CliErrors
{
    /// <summary>The storage error behind an exception: a refused request, or a connection the SDK's retries gave up on.</summary>
    private static Exception? StorageFault(Exception ex) => ex switch
    {
        Azure.RequestFailedException or HttpRequestException => ex,
        AggregateException aggregate => aggregate.InnerExceptions.Select(StorageFault).FirstOrDefault(f => f is not null),
        _ => ex.InnerException is { } inner ? StorageFault(inner) : null,
    };

    /// <summary>
    /// Runs a command body. An <see cref="LlmOpsException"/> (unknown id, bad input, conflict, refused gate...) prints
    /// in red and exits with its code's exit code (a missing local file counts as not found); a storage fault says so and exits 8; anything else is a bug and
    /// prints as one, with its stack trace, exit 70.
    /// </summary>
    public static async Task<int> RunAsync(IAnsiConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (LlmOps.Governance.ApprovalRequiredException ex)
        {
            // Not a failure: the change is requested and waits for its approvals.
            console.MarkupLineInterpolated($"[yellow]Approval required:[/] {ex.Message}");
            return ErrorMapping.ExitCode(ex.Code);
        }
        catch (LlmOpsException ex)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return ErrorMapping.ExitCode(ex.Code);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return ErrorMapping.ExitCode(ErrorCode.NotFound);
        }
        catch (Azure.Identity.AuthenticationFailedException ex)
        {
            console.MarkupLineInterpolated($"[red]Could not get a Microsoft Entra token for the storage account: {ex.Message.Split('\n')[0]}[/] Sign in with `az login` (or pass --connection-string).");
            return ErrorMapping.ExitCode(ErrorCode.Unauthorized);
        }
        catch (Exception ex) when (StorageFault(ex) is { } fault)
        {
            console.MarkupLineInterpolated($"[red]Storage request failed: {fault.Message.Split('\n')[0]}[/] Is the storage account reachable (`llmops up` for the local one)?");
            return ErrorMapping.StorageFaultExitCode;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            console.MarkupLineInterpolated($"[red]Internal error (a bug in llmops; please report it with what follows):[/] {ex.GetType().Name}: {ex.Message}");
            console.WriteLine(ex.StackTrace ?? "");
            return ErrorMapping.InternalErrorExitCode;
        }
    }
}
