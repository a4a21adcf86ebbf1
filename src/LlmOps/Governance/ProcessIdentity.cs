using System.Text;
using System.Text.Json;
using Azure.Core;
using LlmOps.Errors;

namespace LlmOps.Governance;

/// <summary>
/// Who runs the CLI or a notebook. Against an account reached with Microsoft Entra tokens, the signed-in identity (its
/// token's object id and name); against a shared-key account (Azurite), the local identity file
/// (<c>$LLMOPS_IDENTITY</c>, else <c>~/.llmops/identity.json</c>), which <c>llmops identity set NAME</c> writes and which
/// is created with the login name the first time it is needed, so every change is recorded under a stable name.
/// </summary>
public static class ProcessIdentity
{
    public const string PathVariable = "LLMOPS_IDENTITY";

    public static string FilePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".llmops", "identity.json");

    /// <summary>The caller for an account with <paramref name="credential"/> (null: shared key).</summary>
    public static Caller Resolve(TokenCredential? credential) => credential is null ? Local() : FromToken(credential);

    /// <summary>The local identity, created from the login name when the file does not exist yet.</summary>
    public static Caller Local()
    {
        var path = FilePath;
        if (File.Exists(path))
        {
            return Read(path);
        }

        return Save(SafeName(Environment.UserName));
    }

    /// <summary>Writes the local identity file with <paramref name="name"/>.</summary>
    public static Caller Save(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var caller = Caller.Local(name);
        RoleStore.ValidatePrincipal(caller.Id);
        var path = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(new { name }) + "\n");
        return caller;
    }

    private static Caller Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var name = document.RootElement.GetProperty("name").GetString() ?? "";
            var caller = Caller.Local(name);
            RoleStore.ValidatePrincipal(caller.Id);
            return caller;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or LlmOpsException)
        {
            throw LlmOpsException.Invalid($"The identity file {path} is not {{\"name\": \"<name>\"}} with a name of letters, digits, '.', '_', '@' or '-'; write it again with `llmops identity set <name>`.", ex);
        }
    }

    /// <summary>The object id and name in the claims of a storage token of <paramref name="credential"/>.</summary>
    public static Caller FromToken(TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var token = credential.GetToken(new TokenRequestContext(["https://storage.azure.com/.default"]), CancellationToken.None).Token;
        return FromJwt(token);
    }

    /// <summary>The caller a JWT's payload names: <c>oid</c>, and <c>upn</c>, <c>preferred_username</c>, <c>unique_name</c> or <c>name</c>.</summary>
    public static Caller FromJwt(string jwt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var parts = jwt.Split('.');
        if (parts.Length < 2)
        {
            throw new LlmOpsException(ErrorCode.Unauthorized, "The Microsoft Entra token is not a JWT; cannot tell who is signed in.");
        }

        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        using var document = JsonDocument.Parse(Convert.FromBase64String(payload));
        var root = document.RootElement;
        string? Claim(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var objectId = Claim("oid") ?? throw new LlmOpsException(ErrorCode.Unauthorized, "The Microsoft Entra token has no oid claim; cannot tell who is signed in.");
        return new Caller("entra:" + objectId, Claim("upn") ?? Claim("preferred_username") ?? Claim("unique_name") ?? Claim("name") ?? objectId, CallerSource.EntraId);
    }

    private static string SafeName(string name)
    {
        var safe = new StringBuilder();
        foreach (var c in name)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '-' ? c : '-');
        }

        return safe.Length == 0 ? "user" : safe.ToString();
    }
}
