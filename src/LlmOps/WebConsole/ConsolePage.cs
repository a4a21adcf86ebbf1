using System.Text;
using LlmOps.Triggers;

namespace LlmOps.WebConsole;

/// <summary>
/// <c>/api/console/{*page}</c>: the web console, one HTML document with its styles, script and libraries (Chart.js,
/// Cytoscape.js, from package-lock.json) inline, so the key that opened the route is the only one it needs: the page
/// keeps the key it was opened with (<c>?code=</c>) and sends it as <c>x-functions-key</c> on every call to
/// <c>/api/console-api</c> and the other routes; behind App Service authentication the signed-in Entra user is the
/// caller. Pages are routed in the fragment (<c>#/datasets</c>), so every page is this one response.
/// </summary>
public sealed class ConsolePage : IHttpTriggerHandler
{
    private static readonly string[] Scripts = ["lib.chart.js", "lib.cytoscape.js", "console.js"];
    private readonly Lazy<byte[]> _page = new(Compose);

    public Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpTriggerResponse(200, "text/html; charset=utf-8", _page.Value));

    private static byte[] Compose()
    {
        var html = Resource("console.html");
        var scripts = string.Concat(
            Scripts.Select(name => "<script>" + Resource(name).Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) + "</script>\n"));
        return Encoding.UTF8.GetBytes(html
            .Replace("<!--styles-->", "<style>" + Resource("console.css") + "</style>", StringComparison.Ordinal)
            .Replace("<!--scripts-->", scripts, StringComparison.Ordinal));
    }

    private static string Resource(string name)
    {
        using var stream = typeof(ConsolePage).Assembly.GetManifestResourceStream("LlmOps.WebConsole." + name)
            ?? throw new InvalidOperationException($"The console's resource {name} is not embedded in LlmOps (see LlmOps.csproj).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
