using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using LlmOps.Errors;
using Spectre.Console;

namespace LlmOps.Cli;

/// <summary>
/// `llmops notebook run PATH [-p name=value] [--output PATH] [--timeout S]`: runs the notebook on the .NET Interactive
/// C# kernel in a child process (LlmOps.Notebooks.Runner, so a timeout can stop even a spinning cell) and writes
/// outputs and errors back into the notebook.
/// </summary>
internal static class NotebookCommand
{
    public const int TimeoutExitCode = 124;

    /// <summary>The runner the child process runs: $LLMOPS_NOTEBOOK_RUNNER, else the one built beside this CLI.</summary>
    internal static string RunnerPath =>
        Environment.GetEnvironmentVariable("LLMOPS_NOTEBOOK_RUNNER") is { Length: > 0 } path ? path
        : typeof(NotebookCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "NotebookRunnerPath")?.Value ?? "LlmOps.Notebooks.Runner.dll";

    public static Command Create(IAnsiConsole console)
    {
        var path = new Argument<FileInfo>("path") { Description = "The .ipynb (C# cells, Polyglot Notebooks format)." };
        var parameters = new Option<string[]>("-p", "--parameter") { Description = "Override a variable of the cell tagged 'parameters': name=value; repeat for more." };
        var output = new Option<FileInfo?>("--output") { Description = "Write the executed notebook here (default: back into PATH)." };
        var timeout = new Option<int>("--timeout") { Description = "Stop the run after this many seconds (exit 124).", DefaultValueFactory = _ => 600 };
        var run = new Command("run", "Run a notebook headless, as papermill does: parameters injected, outputs written back, non-zero exit naming the failing cell.") { path, parameters, output, timeout };
        run.SetAction(async (parse, cancellationToken) => await CliErrors.RunAsync(console, async () =>
        {
            var notebook = parse.GetValue(path)!;
            if (!notebook.Exists)
            {
                throw LlmOpsException.NotFound($"No such notebook: {notebook.FullName}");
            }

            var pairs = parse.GetValue(parameters) ?? [];
            foreach (var pair in pairs)
            {
                if (pair.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    throw LlmOpsException.Invalid($"-p '{pair}' is not name=value.");
                }
            }

            if (!File.Exists(RunnerPath))
            {
                throw LlmOpsException.NotFound($"The notebook runner is not built: no {RunnerPath}. Build src/LlmOps.Notebooks.Runner, or set LLMOPS_NOTEBOOK_RUNNER to its dll.");
            }

            var target = parse.GetValue(output)?.FullName ?? notebook.FullName;
            return await RunChildAsync(console, notebook.FullName, target, pairs, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
        }));

        return new Command("notebook", "Run .NET Polyglot notebooks headless.") { run };
    }

    private static async Task<int> RunChildAsync(IAnsiConsole console, string input, string output, string[] parameters, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(input)!,
        };
        foreach (var argument in new[] { RunnerPath, input, output }.Concat(parameters))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the notebook process.");
        var last = "";
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                last = line;
                console.WriteLine(line);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (errors)
                {
                    errors.AppendLine(line);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            console.MarkupLineInterpolated($"[red]Timed out after {timeout.TotalSeconds:0} s[/] ({last.Replace("running", "while running", StringComparison.Ordinal)}); outputs of the cells before it are in {output}.");
            return cancellationToken.IsCancellationRequested ? 130 : TimeoutExitCode;
        }

        await process.WaitForExitAsync(CancellationToken.None);
        if (process.ExitCode != 0 && errors.Length > 0)
        {
            console.WriteLine(errors.ToString().TrimEnd());
        }

        return process.ExitCode;
    }
}
