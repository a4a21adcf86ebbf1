using LlmOps.Cli;
using Spectre.Console;

namespace LlmOps.Tests.Infrastructure;

/// <summary>Runs the llmops command tree in process with a wide, plain console, and returns its exit code and output.</summary>
public static class CliRun
{
    public static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        var exit = await LlmOpsCli.RunAsync(args, Console(output));
        return (exit, output.ToString());
    }

    /// <summary>A non-interactive console without ANSI codes, 400 columns wide, writing to <paramref name="output"/>.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        console.Profile.Width = 400;
        return console;
    }
}
