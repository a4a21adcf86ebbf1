using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Governance;
using Microsoft.Extensions.Options;

namespace LlmOps.Triggers;

/// <summary>
/// Who sent an HTTP request, and the one place an HTTP function runs under that caller (both hosts call
/// <see cref="InvokeAsync"/>). In order: App Service authentication's <c>X-MS-CLIENT-PRINCIPAL</c> (only where it is
/// trusted: behind Easy Auth, which strips what clients send), a named key (<c>x-llmops-key</c>, or the key that
/// opened the route: <c>x-functions-key</c> or <c>code</c>), else the host's shared function key.
/// </summary>
public sealed class HttpCallers(ApiKeyStore keys, IOptions<GovernanceOptions> options)
{
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    public const string KeyHeader = "x-llmops-key";
    private const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    public async Task<Caller> ResolveAsync(HttpTriggerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.TrustAppServiceAuthentication && request.Header(PrincipalHeader) is { Length: > 0 } principal)
        {
            return FromClientPrincipal(principal);
        }

        var presented = request.Header(KeyHeader) ?? request.Header("x-functions-key") ?? request.Query.GetValueOrDefault("code");
        if (await keys.FindAsync(presented, cancellationToken) is { } key)
        {
            return Caller.Key(key.Name);
        }

        if (request.Header(KeyHeader) is not null)
        {
            throw new LlmOpsException(ErrorCode.Unauthorized, $"The {KeyHeader} header holds no valid key (unknown, revoked or mistyped).");
        }

        return Caller.FunctionKey;
    }

    /// <summary>Runs <paramref name="handler"/> as the request's caller; an <see cref="LlmOpsException"/> becomes its problem response.</summary>
    public async Task<HttpTriggerResponse> InvokeAsync(IHttpTriggerHandler handler, HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            using var scope = CallerContext.Use(await ResolveAsync(request, cancellationToken));
            return await handler.HandleAsync(request, cancellationToken);
        }
        catch (LlmOpsException ex)
        {
            return ErrorMapping.Problem(ex);
        }
    }

    /// <summary>The Entra principal App Service authentication describes (base64 JSON with its claims).</summary>
    public static Caller FromClientPrincipal(string header)
    {
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(header));
            var root = document.RootElement;
            var claims = root.GetProperty("claims").EnumerateArray()
                .Select(c => (Type: c.GetProperty("typ").GetString() ?? "", Value: c.GetProperty("val").GetString() ?? ""))
                .ToList();
            var nameType = root.TryGetProperty("name_typ", out var nt) ? nt.GetString() : null;
            string? Claim(params string[] types) => types.Select(t => claims.FirstOrDefault(c => c.Type == t).Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            var objectId = Claim(ObjectIdClaim, "oid") ?? throw new LlmOpsException(ErrorCode.Unauthorized, $"The {PrincipalHeader} header has no object id claim.");
            var name = Claim(nameType ?? "name", "preferred_username", "name") ?? objectId;
            return new Caller("entra:" + objectId, name, CallerSource.EntraId);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new LlmOpsException(ErrorCode.Unauthorized, $"The {PrincipalHeader} header is not a client principal (base64 JSON with claims).", ex);
        }
    }
}
