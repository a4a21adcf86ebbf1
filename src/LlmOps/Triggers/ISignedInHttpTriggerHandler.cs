namespace LlmOps.Triggers;

/// <summary>
/// A handler of an HTTP route the host opens to anyone (<see cref="FunctionAuthLevel.Anonymous"/>) and
/// <see cref="HttpCallers"/> checks instead: a signed-in Entra user, a named key or the local host's key, else 401. The
/// web console is one: in Azure, App Service authentication alone signs a browser in, which a function-level route
/// (the Functions host wants its key whoever is signed in) would not allow.
/// </summary>
public interface ISignedInHttpTriggerHandler : IHttpTriggerHandler
{
    /// <summary>What a refused browser gets instead of the problem response (a sign-in page), or null for the problem.</summary>
    HttpTriggerResponse? SignInPage(HttpTriggerRequest request, bool appServiceAuthentication) => null;
}
