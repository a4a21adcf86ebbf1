using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Governance;
using LlmOps.Storage;
using Microsoft.Extensions.Options;

namespace LlmOps.Triggers;

/// <summary>
/// Who sent an HTTP request, and the one place an HTTP function runs under that caller (both hosts call
/// <see cref="InvokeAsync"/>). In order: App Service authentication's <c>X-MS-CLIENT-PRINCIPAL</c> (only where it is
/// trusted: behind Easy Auth, which strips what clients send), a named key (<c>x-llmops-key</c>, or the key that
/// opened the route: <c>x-functions-key</c> or <c>code</c>), else the host's shared function key. A route whose handler
/// is an <see cref="ISignedInHttpTriggerHandler"/> is anonymous to the host and checked here instead
/// (<see cref="DemandSignedInAsync"/>), so App Service authentication alone can open it in Azure.
/// </summary>
/// <param name="storage">Where the local host keeps its keys (<see cref="FunctionKeys.BlobName"/>); null: only named keys and principals sign in.</param>
public sealed class HttpCallers(ApiKeyStore keys, IOptions<GovernanceOptions> options, StorageAccount? storage = null)
{
    /// <summary>How long the local host's keys are kept between reads of their blob.</summary>
    public static readonly TimeSpan HostKeysCacheTime = TimeSpan.FromSeconds(30);

    private HostKeysRead? _hostKeys;

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

        var presented = PresentedKey(request);
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

    /// <summary>
    /// The caller of a route the host lets through without a key: the signed-in Entra user (behind App Service
    /// authentication), a named key, or the local host's function or master key (read from storage, where the local
    /// host keeps them); anything else is refused (401). In Azure the Functions host's own keys are not readable by
    /// the app: there the route takes a signed-in user or a named key.
    /// </summary>
    public async Task<Caller> DemandSignedInAsync(HttpTriggerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.TrustAppServiceAuthentication && request.Header(PrincipalHeader) is { Length: > 0 } principal)
        {
            return FromClientPrincipal(principal);
        }

        var presented = PresentedKey(request);
        if (string.IsNullOrEmpty(presented))
        {
            throw new LlmOpsException(ErrorCode.Unauthorized, options.Value.TrustAppServiceAuthentication
                ? "Sign in (App Service authentication with Entra ID) or send a key: the x-functions-key header or the code query parameter."
                : "This route needs a key: send it in the x-functions-key header or the code query parameter.");
        }

        if (await keys.FindAsync(presented, cancellationToken) is { } key)
        {
            return Caller.Key(key.Name);
        }

        if (await HostKeysAsync(cancellationToken) is { } host && (FunctionKeys.Matches(presented, host.FunctionKey) || FunctionKeys.Matches(presented, host.MasterKey)))
        {
            return Caller.FunctionKey;
        }

        throw new LlmOpsException(ErrorCode.Unauthorized, "The key does not open this route (unknown, revoked or mistyped).");
    }

    /// <summary>The key a request presents: <c>x-llmops-key</c>, else the one that opened the route (<c>x-functions-key</c> or <c>code</c>).</summary>
    private static string? PresentedKey(HttpTriggerRequest request) =>
        request.Header(KeyHeader) ?? request.Header("x-functions-key") ?? request.Query.GetValueOrDefault("code");

    private async Task<FunctionKeys?> HostKeysAsync(CancellationToken cancellationToken)
    {
        if (storage is null)
        {
            return null;
        }

        if (_hostKeys is { } cached && System.Diagnostics.Stopwatch.GetElapsedTime(cached.ReadAt) < HostKeysCacheTime)
        {
            return cached.Keys;
        }

        var read = await storage.Container(StorageNames.HostContainer).GetBlobClient(FunctionKeys.BlobName).ReadAsync<FunctionKeys>(cancellationToken);
        _hostKeys = new HostKeysRead(read, System.Diagnostics.Stopwatch.GetTimestamp());
        return read;
    }

    private sealed record HostKeysRead(FunctionKeys? Keys, long ReadAt);

    /// <summary>Runs <paramref name="handler"/> as the request's caller; an <see cref="LlmOpsException"/> becomes its problem response.</summary>
    public async Task<HttpTriggerResponse> InvokeAsync(IHttpTriggerHandler handler, HttpTriggerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        try
        {
            var caller = handler is ISignedInHttpTriggerHandler
                ? await DemandSignedInAsync(request, cancellationToken)
                : await ResolveAsync(request, cancellationToken);
            using var scope = CallerContext.Use(caller);
            return await handler.HandleAsync(request, cancellationToken);
        }
        catch (LlmOpsException ex) when (ex.Code == ErrorCode.Unauthorized && handler is ISignedInHttpTriggerHandler signedIn && signedIn.SignInPage(request, options.Value.TrustAppServiceAuthentication) is { } page)
        {
            return page;
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
