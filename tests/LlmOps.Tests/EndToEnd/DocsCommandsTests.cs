using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.EndToEnd;

/// <summary>
/// Every command in a <c>bash</c> block of README.md and docs/ runs, as written, against a fresh local stack (a storage
/// prefix of its own on the tests' Azurite), each file's blocks as one bash script with <c>llmops</c> on the PATH (the
/// CLI of this build) and <c>set -e</c>: a command that fails fails the test with its file and line. A block that cannot
/// run here is marked <c>&lt;!-- docs-test: skip, covered by Class.Method --&gt;</c> (the test that runs it instead, which
/// must exist) or <c>skip, not runnable ...</c> with the reason.
/// </summary>
public sealed partial class DocsCommandsTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot.Combine("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepositoryRoot.Combine(), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task EveryCommandBlock_RunsAgainstTheLocalStack_OrNamesTheTestThatRunsIt(string file)
    {
        var blocks = Blocks(await File.ReadAllTextAsync(RepositoryRoot.Combine(file)));
        foreach (var skipped in blocks.Where(b => b.Skip is not null))
        {
            var reason = skipped.Skip!;
            Assert.True(reason.StartsWith("covered by ", StringComparison.Ordinal) || reason.StartsWith("not runnable", StringComparison.Ordinal), $"{file}:{skipped.Line}: a skip says 'covered by <test>' or 'not runnable ...', not '{reason}'");
            if (CoveredBy().Match(reason) is { Success: true } named && named.Groups[1].Value != "the")
            {
                Assert.True(TestExists(named.Groups[1].Value, named.Groups[2].Success ? named.Groups[2].Value : null), $"{file}:{skipped.Line}: the test it names does not exist: {reason}");
            }
        }

        var run = blocks.Where(b => b.Skip is null).ToList();
        if (run.Count == 0)
        {
            return;
        }

        var script = new StringBuilder();
        foreach (var block in run)
        {
            script.Append("echo \"::: ").Append(file).Append(':').Append(block.Line).Append("\"\n").Append(block.Code).Append('\n');
        }

        var (exit, output) = await RunAsync(script.ToString());
        Assert.True(exit == 0, $"A command of {file} failed (exit {exit}); the last '::: file:line' names its block:\n{output}");
    }

    private sealed record Block(int Line, string Code, string? Skip);

    /// <summary>The bash blocks of a Markdown file with their first line and the skip marker just above, if any.</summary>
    private static List<Block> Blocks(string markdown)
    {
        var lines = markdown.Split('\n');
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() is not ("```bash" or "```sh"))
            {
                continue;
            }

            var start = i;
            var code = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                code.Add(lines[i]);
            }

            var above = start > 0 ? SkipMarker().Match(lines[start - 1]) : Match.Empty;
            blocks.Add(new Block(start + 1, string.Join('\n', code), above.Success ? above.Groups[1].Value.Trim() : null));
        }

        return blocks;
    }

    private static bool TestExists(string type, string? method) =>
        typeof(DocsCommandsTests).Assembly.GetTypes().Any(t => t.Name == type
            && (method is null || t.GetMethods().Any(m => m.Name == method && m.GetCustomAttributes().Any(a => a is FactAttribute))));

    /// <summary>Runs the script with bash in the repository, <c>llmops</c> being this build's CLI, on a storage prefix of its own.</summary>
    private static async Task<(int Exit, string Output)> RunAsync(string script)
    {
        var azurite = await SharedAzurite.GetAsync();
        var bin = Directory.CreateTempSubdirectory("llmops-docs-").FullName;
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!);
        var cli = RepositoryRoot.Combine("src", "LlmOps.Cli", "bin", configuration, "net10.0", "LlmOps.Cli.dll");
        Assert.True(File.Exists(cli), $"The CLI is not built at {cli}.");
        var shim = Path.Combine(bin, "llmops");
        await File.WriteAllTextAsync(shim, $"#!/usr/bin/env bash\nexec \"{LlmOps.DotnetHost.Path}\" \"{cli}\" \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var path = Path.Combine(bin, "script.sh");
        await File.WriteAllTextAsync(path, "set -euo pipefail\n" + script);
        var start = new ProcessStartInfo("bash", [path])
        {
            WorkingDirectory = RepositoryRoot.Combine(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["LLMOPS_STORAGE"] = azurite.ConnectionString;
        start.Environment["LLMOPS_STORAGE_PREFIX"] = TestNames.Prefix();
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var lockObject = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (lockObject) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (lockObject) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (124, "timed out after 10 minutes\n" + output);
        }

        process.WaitForExit();
        lock (lockObject)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    [GeneratedRegex(@"^\s*<!--\s*docs-test:\s*skip,\s*(.*?)\s*-->\s*$")]
    private static partial Regex SkipMarker();

    [GeneratedRegex(@"^covered by (\w+)(?:\.(\w+))?")]
    private static partial Regex CoveredBy();
}
