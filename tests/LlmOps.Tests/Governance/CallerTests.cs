using System.Text;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Governance;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using Microsoft.Extensions.Options;

namespace LlmOps.Tests.Governance;

/// <summary>Who a call comes from: App Service's principal header only where trusted, named keys, Entra tokens of the CLI.</summary>
public sealed class CallerTests
{
    private static string Principal(string objectId, string name) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        auth_typ = "aad",
        name_typ = "name",
        claims = new[]
        {
            new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = objectId },
            new { typ = "name", val = name },
        },
    })));

    private static HttpTriggerRequest Request(Dictionary<string, string> headers) =>
        new("POST", "/api/traces", new Dictionary<string, string>(), new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty, Headers: headers);

    [Fact]
    public async Task PrincipalHeader_TrustedOnlyBehindAppServiceAuthentication()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var keys = new ApiKeyStore(storage, TimeProvider.System);
        var request = Request(new Dictionary<string, string> { [HttpCallers.PrincipalHeader] = Principal("1f9c0000-0000-0000-0000-00000000abcd", "Ana Lopez") });

        var untrusted = await new HttpCallers(keys, Options.Create(new GovernanceOptions())).ResolveAsync(request);
        var trusted = await new HttpCallers(keys, Options.Create(new GovernanceOptions { TrustAppServiceAuthentication = true })).ResolveAsync(request);

        Assert.Equal(Caller.FunctionKey, untrusted);
        Assert.Equal(new Caller("entra:1f9c0000-0000-0000-0000-00000000abcd", "Ana Lopez", CallerSource.EntraId), trusted);
        Assert.Equal(ErrorCode.Unauthorized, Assert.Throws<LlmOpsException>(() => HttpCallers.FromClientPrincipal("not base64 json")).Code);
    }

    [Fact]
    public async Task NamedKey_InEitherHeaderOrTheCode_IdentifiesItsKey()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var keys = new ApiKeyStore(storage, TimeProvider.System);
        var (_, secret) = await keys.CreateAsync("ci-bot", "local:root");
        var callers = new HttpCallers(keys, Options.Create(new GovernanceOptions()));

        Assert.Equal("key:ci-bot", (await callers.ResolveAsync(Request(new() { [HttpCallers.KeyHeader] = secret }))).Id);
        Assert.Equal("key:ci-bot", (await callers.ResolveAsync(Request(new() { ["x-functions-key"] = secret }))).Id);
        Assert.Equal(Caller.FunctionKey, await callers.ResolveAsync(Request(new() { ["x-functions-key"] = "the-host-function-key" })));
        Assert.Equal(ErrorCode.Unauthorized, (await Assert.ThrowsAsync<LlmOpsException>(() => callers.ResolveAsync(Request(new() { [HttpCallers.KeyHeader] = secret + "x" })))).Code);
    }

    /// <summary>
    /// The console's routes are anonymous to the host and checked here: a signed-in Entra user (trusted only behind
    /// App Service authentication), a named key, or the local host's keys as it keeps them in storage; nothing else.
    /// </summary>
    [Fact]
    public async Task SignedInRoute_TakesAPrincipalANamedKeyOrTheHostsKey_RefusesTheRest()
    {
        var storage = await SharedAzurite.AccountAsync(TestNames.Prefix());
        var keys = new ApiKeyStore(storage, TimeProvider.System);
        var (_, secret) = await keys.CreateAsync("reviewer", "local:root");
        await storage.Container(LlmOps.Storage.StorageNames.HostContainer).GetBlobClient(FunctionKeys.BlobName)
            .UploadAsync(BinaryData.FromObjectAsJson(new FunctionKeys("the-master-key", "the-function-key"), JsonSerializerOptions.Web));
        var local = new HttpCallers(keys, Options.Create(new GovernanceOptions()), storage);
        var azure = new HttpCallers(keys, Options.Create(new GovernanceOptions { TrustAppServiceAuthentication = true }), storage);
        var signedIn = Request(new() { [HttpCallers.PrincipalHeader] = Principal("1f9c0000-0000-0000-0000-00000000abcd", "Ana Lopez") });

        Assert.Equal("entra:1f9c0000-0000-0000-0000-00000000abcd", (await azure.DemandSignedInAsync(signedIn)).Id);
        Assert.Equal("key:reviewer", (await local.DemandSignedInAsync(Request(new() { ["x-functions-key"] = secret }))).Id);
        Assert.Equal(Caller.FunctionKey, await local.DemandSignedInAsync(Request(new() { ["x-functions-key"] = "the-function-key" })));
        Assert.Equal(Caller.FunctionKey, await local.DemandSignedInAsync(new HttpTriggerRequest("GET", "/api/console", new Dictionary<string, string>(), new Dictionary<string, string> { ["code"] = "the-master-key" }, ReadOnlyMemory<byte>.Empty)));
        foreach (var refused in new[] { signedIn, Request([]), Request(new() { ["x-functions-key"] = "a-guess" }) })
        {
            Assert.Equal(ErrorCode.Unauthorized, (await Assert.ThrowsAsync<LlmOpsException>(() => local.DemandSignedInAsync(refused))).Code);
        }

        // A browser that is not signed in gets the Entra sign-in behind App Service authentication, the problem locally.
        var page = new LlmOps.WebConsole.ConsolePage();
        var toLogin = await azure.InvokeAsync(page, Request([]) with { Path = "/api/console" }, CancellationToken.None);
        Assert.Equal(401, toLogin.StatusCode);
        Assert.Contains("/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsole", Encoding.UTF8.GetString(toLogin.Body.Span), StringComparison.Ordinal);
        var problem = await local.InvokeAsync(page, Request([]), CancellationToken.None);
        Assert.Equal((401, "application/problem+json"), (problem.StatusCode, problem.ContentType));
    }

    [Fact]
    public void Jwt_ObjectIdAndName_FromItsClaims()
    {
        static string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var jwt = $"{Part(new { alg = "none" })}.{Part(new { oid = "7d2e0000-0000-0000-0000-000000001234", upn = "ana@contoso.com", name = "Ana" })}.";

        var caller = ProcessIdentity.FromJwt(jwt);

        Assert.Equal(new Caller("entra:7d2e0000-0000-0000-0000-000000001234", "ana@contoso.com", CallerSource.EntraId), caller);
        Assert.Equal(ErrorCode.Unauthorized, Assert.Throws<LlmOpsException>(() => ProcessIdentity.FromJwt($"{Part(new { alg = "none" })}.{Part(new { upn = "x" })}.")).Code);
    }
}
