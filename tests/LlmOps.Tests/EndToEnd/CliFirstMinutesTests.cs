using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using LlmOps.Cli;
using LlmOps.Development;
using LlmOps.Errors;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace LlmOps.Tests.EndToEnd;

/// <summary>The first minutes with the command: its name in help, output a script can read, one-line errors for a taken port.</summary>
public sealed class CliFirstMinutesTests
{
    [Fact]
    public async Task Help_NamesTheCommandLlmops_AsUsersTypeIt()
    {
        using var output = new StringWriter();
        var exit = await LlmOpsCli.Create(CliRun.Console(TextWriter.Null)).Parse(["datasets", "--help"]).InvokeAsync(new InvocationConfiguration { Output = output });

        Assert.Equal(0, exit);
        Assert.Contains("llmops datasets [command] [options]", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("LlmOps.Cli", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputToAFileOrPipe_IsPlainText_OneLinePerRow_NoBoxesNoWrapping()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using (var client = new LlmOpsClient(azurite.ConnectionString, prefix))
        {
            await SampleTickets.IngestAsync(client);
        }

        using var piped = new StringWriter();
        var exit = await LlmOpsCli.RunAsync(["datasets", "list", "--connection-string", azurite.ConnectionString, "--storage-prefix", prefix], CliConsole.Create(piped, terminal: false));

        Assert.Equal(0, exit);
        var lines = piped.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Version\s{2,}Records\s{2,}Chunks\s{2,}Quarantined\s{2,}Source blob\s{2,}Created$", lines[0].TrimEnd('\r'));
        var row = Assert.Single(lines, l => l.StartsWith("dataset:tickets@", StringComparison.Ordinal));
        Assert.Matches(@"^dataset:tickets@[0-9a-f]{12}\s+12\s+12\s+\d+\s+raw/tickets/support-tickets\.jsonl\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", row);
        Assert.DoesNotContain(piped.ToString(), c => c is '│' or '─' or '╭' or '|' or '+' or '\u001b');
    }

    [Fact]
    public async Task FormatJson_OnEveryCommandThatPrints_OneDocumentOfTablesAndMessages()
    {
        var root = LlmOpsCli.Create(CliRun.Console(TextWriter.Null));
        static IEnumerable<Command> Leaves(Command c) => c.Subcommands.Count == 0 ? [c] : c.Subcommands.SelectMany(Leaves);
        var without = Leaves(root).Where(c => c.Name is not ("up" or "demo" or "run") && c.Options.All(o => o.Name != "--format")).Select(c => c.Name).ToList();
        Assert.Empty(without);

        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        using (var client = new LlmOpsClient(azurite.ConnectionString, prefix))
        {
            await SampleTickets.IngestAsync(client);
        }

        var (listed, list) = await CliRun.RunAsync(["datasets", "list", "--format", "json", .. common]);
        Assert.Equal(0, listed);
        var row = System.Text.Json.JsonDocument.Parse(list).RootElement.GetProperty("tables")[0].GetProperty("rows")[0];
        Assert.Equal("12", row.GetProperty("Records").GetString());
        var id = row.GetProperty("Version").GetString()!;
        var (shown, show) = await CliRun.RunAsync(["datasets", "show", id, "--format", "json", .. common]);
        Assert.Equal(0, shown);
        Assert.Equal("support-answers / tickets", System.Text.Json.JsonDocument.Parse(show).RootElement.GetProperty("tables")[0].GetProperty("values").GetProperty("Feature / source").GetString());
        var (failed, error) = await CliRun.RunAsync(["datasets", "show", "nosuch", "--format", "json", .. common]);
        Assert.Equal(2, failed);
        Assert.Contains("is not a dataset version id", System.Text.Json.JsonDocument.Parse(error).RootElement.GetProperty("messages")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_WhenItsHttpPortIsTaken_SaysSoInOneLine_NamesThePortAndTheOption()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var data = Directory.CreateTempSubdirectory("llmops-up-port-");
        try
        {
            var (exit, output) = await CliRun.RunAsync("up", "--random-ports", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", data.FullName);

            Assert.True(exit == 5, output);
            var message = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("already in use", StringComparison.Ordinal));
            Assert.Contains($"Port {port} is already in use", message, StringComparison.Ordinal);
            Assert.Contains("--port", message, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LocalStack_WhenAzuritesPortIsTaken_ConflictNamingThePort_NoServiceLeftRunning()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var progress = new List<string>();
        var options = new AzuriteOptions { BlobPort = port, QueuePort = 0, TablePort = 0, Progress = progress.Add };

        var refused = await Assert.ThrowsAsync<LlmOpsException>(() => LocalStack.StartAsync(null, null, options, new Dictionary<string, string?>(), LogLevel.Warning, CancellationToken.None));

        Assert.Equal(ErrorCode.Conflict, refused.Code);
        Assert.Contains($"Port {port} is already in use", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--random-ports", refused.Message, StringComparison.Ordinal);
    }
    /// <summary>
    /// The worst stop of all: `llmops up` killed with SIGKILL (no handler runs). Its Azurite services notice their
    /// parent is gone and exit, so none outlives it.
    /// </summary>
    [Fact]
    public async Task Up_KilledOutright_LeavesNoAzuriteProcessBehind()
    {
        var data = Directory.CreateTempSubdirectory("llmops-up-kill-");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "LlmOps.Cli.dll"), "up", "--random-ports", "--port", "0", "--data", data.FullName])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        using var up = System.Diagnostics.Process.Start(start)!;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        up.OutputDataReceived += (_, e) =>
        {
            output.Enqueue(e.Data ?? "");
            if (e.Data?.Contains("Running.", StringComparison.Ordinal) == true)
            {
                running.TrySetResult();
            }
        };
        up.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        try
        {
            await running.Task.WaitAsync(TimeSpan.FromMinutes(3));
            Assert.NotEmpty(AzuriteProcessesOf(data.FullName));

            up.Kill(entireProcessTree: false); // SIGKILL to the command alone; Azurite runs in sessions of its own

            await up.WaitForExitAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (AzuriteProcessesOf(data.FullName).Count > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Assert.True(AzuriteProcessesOf(data.FullName).Count == 0, string.Join('\n', output));
        }
        finally
        {
            foreach (var pid in AzuriteProcessesOf(data.FullName))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }

            data.Delete(recursive: true);
        }
    }

    /// <summary>
    /// `llmops demo` started by a script as a background job (which starts with SIGINT ignored, inherited by every
    /// child): when the script's job ends, no Azurite service of the demo is left. Its processes are told from other
    /// tests' by an environment variable they inherit.
    /// </summary>
    [Fact]
    public async Task Demo_RunByAScriptInTheBackground_LeavesNoProcessBehind()
    {
        var marker = "llmops-demo-" + Guid.NewGuid().ToString("N");
        var azurite = await SharedAzurite.GetAsync();
        var cli = Path.Combine(AppContext.BaseDirectory, "LlmOps.Cli.dll");
        var script = $"dotnet exec '{cli}' demo --connection-string \"$LLMOPS_DEMO_STORAGE\" --storage-prefix {TestNames.Prefix()} --timeout 240 > /dev/null 2>&1 & wait $!";
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", script]) { UseShellExecute = false, WorkingDirectory = RepositoryRoot.Path };
        start.Environment["LLMOPS_TEST_MARKER"] = marker;
        start.Environment["LLMOPS_DEMO_STORAGE"] = azurite.ConnectionString;
        using var job = System.Diagnostics.Process.Start(start)!;
        await job.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(0, job.ExitCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ProcessesWith(marker).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Empty(ProcessesWith(marker));
    }

    /// <summary>The processes whose environment holds <paramref name="marker"/>.</summary>
    private static List<int> ProcessesWith(string marker)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), out var pid) && pid != Environment.ProcessId)
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(entry, "environ")).Contains(marker, StringComparison.Ordinal))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile, or not ours.
                }
            }
        }

        return found;
    }

    /// <summary>The node processes whose command line names <paramref name="folder"/> (Azurite's --location).</summary>
    private static List<int> AzuriteProcessesOf(string folder)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains("azurite", StringComparison.Ordinal) && commandLine.Contains(folder, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours.
            }
        }

        return found;
    }
}
