using LlmOps.Cli;
using LlmOps.Tests.Infrastructure;
using Spectre.Console;

namespace LlmOps.Tests.EndToEnd;

[Collection(ProductCatalogCollection.Name)]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_OnSharedAzurite_ExitsZeroAndReportsEveryTrigger()
    {
        var azurite = await SharedAzurite.GetAsync();
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });

        var exit = await LlmOpsCli.RunAsync(["demo", "--connection-string", azurite.ConnectionString], console);

        var text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("Blob trigger -> drops table", text, StringComparison.Ordinal);
        Assert.Contains("Queue trigger -> dropacks table", text, StringComparison.Ordinal);
        Assert.Contains("Timer trigger -> heartbeats", text, StringComparison.Ordinal);
        Assert.Contains("Demo complete", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("up", "--help")]
    [InlineData("demo", "--help")]
    public async Task Help_EveryCommand_ExitsZero(params string[] args)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        Assert.Equal(0, await LlmOpsCli.RunAsync(args, console));
    }

    [Fact]
    public async Task UnknownCommand_ExitsNonZero()
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        Assert.NotEqual(0, await LlmOpsCli.RunAsync(["no-such-command"], console));
    }
}
