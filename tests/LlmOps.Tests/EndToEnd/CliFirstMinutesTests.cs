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
            await client.ProvisionAsync();
            await client.Lifecycles.PublishAsync(await File.ReadAllTextAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")), "support-answers.lifecycle.yaml", CancellationToken.None);
            await client.IngestFileAsync(RepositoryRoot.Combine("samples", "support-tickets.jsonl"), "tickets");
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
}
