using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Triggers;

namespace LlmOps.WebConsole;

/// <summary>
/// <c>/api/console/{*page}</c>: the web console, one HTML document with its styles and script inline, and its libraries
/// (Chart.js, Cytoscape.js, from package-lock.json) at <c>console/lib/{name}.{hash}.js</c>, kept by the browser for good
/// and loaded when a page first needs them (the runs page needs neither). The page
/// keeps the key it was opened with (<c>?code=</c>) and sends it as <c>x-functions-key</c> on every call to
/// <c>/api/console-api</c> and the other routes; behind App Service authentication the signed-in Entra user is the
/// caller and no key is needed (the route is anonymous to the host and checked by <see cref="HttpCallers"/>). Pages are
/// routed in the fragment (<c>#/datasets</c>), so every page is this one response.
/// </summary>
public sealed class ConsolePage : ISignedInHttpTriggerHandler
{
    /// <summary>The libraries, each served at <c>console/lib/{name}.{hash}.js</c> and loaded when a page first needs it.</summary>
    private static readonly string[] LibraryNames = ["chart", "cytoscape"];

    private readonly Lazy<ConsoleAssets> _assets = new(Compose);

    public Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var page = request.RouteValues.GetValueOrDefault("page") ?? "";
        if (!page.StartsWith("lib/", StringComparison.Ordinal))
        {
            return Task.FromResult(new HttpTriggerResponse(200, "text/html; charset=utf-8", _assets.Value.Page));
        }

        // A file name holds its content's hash, so a browser keeps it for good and compiles it once.
        return _assets.Value.Libraries.TryGetValue(page["lib/".Length..], out var script)
            ? Task.FromResult(new HttpTriggerResponse(200, "text/javascript; charset=utf-8", script)
            {
                Headers = new Dictionary<string, string> { ["Cache-Control"] = "private, max-age=31536000, immutable" },
            })
            : throw LlmOpsException.NotFound($"The console has no library '{page}'.");
    }

    /// <summary>Behind App Service authentication, a browser that is not signed in is sent to the Entra sign-in and back.</summary>
    public HttpTriggerResponse? SignInPage(HttpTriggerRequest request, bool appServiceAuthentication)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!appServiceAuthentication)
        {
            return null;
        }

        var login = "/.auth/login/aad?post_login_redirect_uri=" + Uri.EscapeDataString(request.Path);
        var html = $"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={login}">
            <title>Sign in to LlmOps</title></head><body><p><a href="{login}">Sign in with Entra ID</a> to open the LlmOps console.</p></body></html>
            """;
        return new HttpTriggerResponse(401, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));
    }

    private static ConsoleAssets Compose()
    {
        var libraries = LibraryNames.ToDictionary(
            name => name,
            name =>
            {
                var script = Encoding.UTF8.GetBytes(Resource($"lib.{name}.js"));
                return (File: $"{name}.{Convert.ToHexStringLower(SHA256.HashData(script))[..12]}.js", Script: script);
            });
        var files = JsonSerializer.Serialize(libraries.ToDictionary(l => l.Key, l => l.Value.File));
        var scripts = $"<script id=\"libraries\" type=\"application/json\">{files}</script>\n"
            + "<script>" + Resource("console.js").Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) + "</script>\n";
        var page = Encoding.UTF8.GetBytes(Resource("console.html")
            .Replace("<!--styles-->", "<style>" + Resource("console.css") + "</style>", StringComparison.Ordinal)
            .Replace("<!--scripts-->", scripts, StringComparison.Ordinal));
        return new ConsoleAssets(page, libraries.Values.ToDictionary(l => l.File, l => (ReadOnlyMemory<byte>)l.Script, StringComparer.Ordinal));
    }

    private static string Resource(string name)
    {
        using var stream = typeof(ConsolePage).Assembly.GetManifestResourceStream("LlmOps.WebConsole." + name)
            ?? throw new InvalidOperationException($"The console's resource {name} is not embedded in LlmOps (see LlmOps.csproj).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private sealed record ConsoleAssets(byte[] Page, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Libraries);
}
