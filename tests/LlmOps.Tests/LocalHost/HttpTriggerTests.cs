using System.Net;
using System.Net.Http.Json;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.LocalHost;

public sealed class HttpTriggerTests : IAsyncLifetime
{
    private LocalFunctionHost? _host;
    private HttpClient? _client;

    private LocalFunctionHost Host => _host!;

    private HttpClient Client => _client!;

    public async Task InitializeAsync()
    {
        _host = await TestHosts.StartAsync(
            new FunctionCatalog(
            [
                FunctionDefinition.Http<EchoHttpHandler>("Echo", "echo/{id}", FunctionAuthLevel.Function, "GET", "POST"),
                FunctionDefinition.Http<EchoHttpHandler>("Open", "open", FunctionAuthLevel.Anonymous, "GET"),
                FunctionDefinition.Http<EchoHttpHandler>("AdminOnly", "admin/echo", FunctionAuthLevel.Admin, "GET"),
            ]),
            configuration: new Dictionary<string, string?> { ["LlmOps:Host:MaxRequestBodyBytes"] = "1024" });
        _client = new HttpClient { BaseAddress = Host.HttpAddress };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task FunctionLevel_NoKey_401WithProblemDetails()
    {
        using var response = await Client.GetAsync(new Uri("/api/echo/7", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("Unauthorized", problem!["title"].ToString());
    }

    [Fact]
    public async Task FunctionLevel_WrongKey_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/echo/7");
        request.Headers.Add(HttpTriggerEndpoints.KeyHeader, "not-the-key");
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task FunctionLevel_RightKeyInHeader_200()
    {
        var keys = await Host.GetKeysAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/echo/7") { Content = new StringContent("body") };
        request.Headers.Add(HttpTriggerEndpoints.KeyHeader, keys.FunctionKey);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("POST 7 body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FunctionLevel_MasterKeyInCodeQuery_200()
    {
        var keys = await Host.GetKeysAsync();
        using var response = await Client.GetAsync(new Uri($"/api/echo/8?code={Uri.EscapeDataString(keys.MasterKey)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AdminLevel_FunctionKey_401_MasterKey_200()
    {
        var keys = await Host.GetKeysAsync();
        using var withFunctionKey = await Client.GetAsync(new Uri($"/api/admin/echo?code={Uri.EscapeDataString(keys.FunctionKey)}", UriKind.Relative));
        using var withMasterKey = await Client.GetAsync(new Uri($"/api/admin/echo?code={Uri.EscapeDataString(keys.MasterKey)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, withFunctionKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withMasterKey.StatusCode);
    }

    [Fact]
    public async Task Anonymous_NoKey_200()
    {
        using var response = await Client.GetAsync(new Uri("/api/open", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OversizedBody_413()
    {
        var keys = await Host.GetKeysAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/echo/9") { Content = new ByteArrayContent(new byte[4096]) };
        request.Headers.Add(HttpTriggerEndpoints.KeyHeader, keys.FunctionKey);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_404()
    {
        using var response = await Client.GetAsync(new Uri("/api/nothing-here", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
