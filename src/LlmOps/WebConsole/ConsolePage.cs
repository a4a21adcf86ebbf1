using System.Text;
using LlmOps.Triggers;

namespace LlmOps.WebConsole;

/// <summary>
/// <c>/api/console/{*page}</c>: the web console, one HTML document with its styles, script and libraries (Chart.js,
/// Cytoscape.js, from package-lock.json) inline, so the key that opened the route is the only one it needs: the page
/// keeps the key it was opened with (<c>?code=</c>) and sends it as <c>x-functions-key</c> on every call to
/// <c>/api/console-api</c> and the other routes; behind App Service authentication the signed-in Entra user is the
/// caller and no key is needed (the route is anonymous to the host and checked by <see cref="HttpCallers"/>). Pages are
/// routed in the fragment (<c>#/datasets</c>), so every page is this one response.
/// </summary>
public sealed class ConsolePage : ISignedInHttpTriggerHandler
{
    /// <summary>The libraries, kept as text in the page and run when a page first needs them (console.js's <c>library</c>).</summary>
    private static readonly string[] Libraries = ["chart", "cytoscape"];

    private readonly Lazy<byte[]> _page = new(Compose);

    public Task<HttpTriggerResponse> HandleAsync(HttpTriggerRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpTriggerResponse(200, "text/html; charset=utf-8", _page.Value));

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

    private static byte[] Compose()
    {
        var html = Resource("console.html");
        var scripts = string.Concat(Libraries.Select(name => $"<script type=\"text/plain\" id=\"lib-{name}\">{Inline(Resource($"lib.{name}.js"))}</script>\n"))
            + "<script>" + Inline(Resource("console.js")) + "</script>\n";
        return Encoding.UTF8.GetBytes(html
            .Replace("<!--styles-->", "<style>" + Resource("console.css") + "</style>", StringComparison.Ordinal)
            .Replace("<!--scripts-->", scripts, StringComparison.Ordinal));
    }

    /// <summary>Script text that cannot end its script element early ("&lt;/script" inside a string or regex becomes "&lt;\/script").</summary>
    private static string Inline(string script) => script.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);

    private static string Resource(string name)
    {
        using var stream = typeof(ConsolePage).Assembly.GetManifestResourceStream("LlmOps.WebConsole." + name)
            ?? throw new InvalidOperationException($"The console's resource {name} is not embedded in LlmOps (see LlmOps.csproj).");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
