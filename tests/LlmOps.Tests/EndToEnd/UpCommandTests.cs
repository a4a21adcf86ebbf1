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

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/api/")]
    private static partial Regex ApiAddress();
}
