using System.Net;
using System.Text.RegularExpressions;
using LlmOps.Cli;
using LlmOps.Tests.Infrastructure;
using Spectre.Console;

namespace LlmOps.Tests.EndToEnd;

[Collection(ProductCatalogCollection.Name)]
public sealed partial class UpCommandTests
{
    [Fact]
    public async Task Up_ServesHealthUntilCancelled_ThenExitsZero()
    {
        var azurite = await SharedAzurite.GetAsync();
        var output = new ConcurrentStringWriter();
        var console = CliRun.Console(output);
        using var stop = new CancellationTokenSource();

        var running = LlmOpsCli.RunAsync(["up", "--connection-string", azurite.ConnectionString, "--port", "0"], console, stop.Token);
        await Eventually.UntilAsync(() => output.ToString().Contains("Running.", StringComparison.Ordinal) || running.IsCompleted, "up to report it is running");
        Assert.False(running.IsCompleted, output.ToString());
        var api = ApiAddress().Match(output.ToString());
        Assert.True(api.Success, output.ToString());

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(api.Value + "health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("IngestDrop", output.ToString(), StringComparison.Ordinal);

        await stop.CancelAsync();
        Assert.Equal(0, await running.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>
    /// As a person would: `llmops up` in a pseudo-terminal (util-linux's `script`), then Ctrl+C typed into it, which the
    /// terminal turns into SIGINT for its whole foreground process group. Or SIGTERM to the command alone.
    /// </summary>
    [Theory]
    [InlineData("ctrl-c")]
    [InlineData("sigterm")]
    public async Task Up_InATerminal_StopSignal_HostStopsThenAzurite_ExitZeroInSeconds(string stop)
    {
        var data = Directory.CreateTempSubdirectory("llmops-up-").FullName;
        var cli = Path.Combine(AppContext.BaseDirectory, "LlmOps.Cli.dll");
        // A terminal session starts with Ctrl+C's signal at its default; the test run may not (a CI runner that starts it
        // in the background ignores SIGINT, which every child inherits and .NET then leaves alone), so reset it.
        var command = $"exec env --default-signal=INT dotnet '{cli}' up --random-ports --port 0 --data '{data}'";
        var start = new System.Diagnostics.ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        using var terminal = System.Diagnostics.Process.Start(start)!;
        var output = new ConcurrentStringWriter();
        terminal.OutputDataReceived += (_, e) => output.WriteLine(e.Data);
        terminal.ErrorDataReceived += (_, e) => output.WriteLine(e.Data);
        terminal.BeginOutputReadLine();
        terminal.BeginErrorReadLine();
        try
        {
            await Eventually.UntilAsync(() => output.ToString().Contains("Running.", StringComparison.Ordinal) || terminal.HasExited, "up to run in the terminal", TimeSpan.FromSeconds(120));
            Assert.False(terminal.HasExited, output.ToString());
            var azurite = AzuritePids().Match(output.ToString()).Groups[1].Value.Split(' ').Select(pid => int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(3, azurite.Count);
            var up = System.Diagnostics.Process.GetProcesses().Select(p => p.Id).Single(id => ParentOf(id) == terminal.Id);

            if (stop == "ctrl-c")
            {
                await terminal.StandardInput.WriteAsync('\u0003');
                await terminal.StandardInput.FlushAsync();
            }
            else
            {
                System.Diagnostics.Process.Start("kill", ["-TERM", up.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            }

            try
            {
                await terminal.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(45));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"llmops up did not exit within 45 s of {stop}; its output:{Environment.NewLine}{output}");
            }

            Assert.True(terminal.ExitCode == 0, output.ToString());
            Assert.DoesNotContain("Connection refused", output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("stopped listening", output.ToString(), StringComparison.Ordinal);
            await Eventually.UntilAsync(() => azurite.All(pid => !Directory.Exists($"/proc/{pid}")), "Azurite's three services to be stopped with the host", TimeSpan.FromSeconds(10));
        }
        finally
        {
            if (!terminal.HasExited)
            {
                terminal.Kill(entireProcessTree: true);
            }

            Directory.Delete(data, recursive: true);
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    [GeneratedRegex(@"Azurite pids (\d+ \d+ \d+)")]
    private static partial Regex AzuritePids();

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/api/")]
    private static partial Regex ApiAddress();
}
