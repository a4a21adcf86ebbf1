using System.Text;
using System.Text.Json;
using Azure.Core;

namespace LlmOps.Tests.Storage;

/// <summary>
/// Issues Microsoft Entra-shaped access tokens (JWTs with issuer, audience and lifetime) for Azurite's
/// <c>--oauth basic</c>, which checks those claims but not the signature, and counts what it was asked for.
/// </summary>
public sealed class EntraTestCredential(string audience = "https://storage.azure.com") : TokenCredential
{
    private int _issued;

    public int Issued => Volatile.Read(ref _issued);

    public List<string> Scopes { get; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _issued);
        lock (Scopes)
        {
            Scopes.AddRange(requestContext.Scopes);
        }

        var now = DateTimeOffset.UtcNow;
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new
        {
            aud = audience,
            iss = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
            iat = now.AddMinutes(-1).ToUnixTimeSeconds(),
            nbf = now.AddMinutes(-1).ToUnixTimeSeconds(),
            exp = now.AddHours(1).ToUnixTimeSeconds(),
            oid = "11059fcc-5514-4800-b5f8-49808b9cfab6",
        }));
        return new AccessToken($"{header}.{payload}.{Base64Url(Encoding.UTF8.GetBytes("not-verified-by-azurite"))}", now.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
