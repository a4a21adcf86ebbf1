using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using LlmOps.Errors;
using LlmOps.Storage;

namespace LlmOps.Governance;

/// <summary>
/// Named keys in table <c>apikeys</c>. A secret reads <c>llmops.&lt;name&gt;.&lt;43 random characters&gt;</c>: the name
/// finds its row in one read, and the row holds only the secret's SHA-256 (the secret has 256 random bits, so a plain
/// hash cannot be reversed by guessing), compared in fixed time.
/// </summary>
public sealed partial class ApiKeyStore(StorageAccount storage, TimeProvider clock)
{
    private const string Partition = "key";
    private const string SecretPrefix = "llmops.";
    private readonly TableClient _table = storage.Table(StorageNames.ApiKeysTable);

    public static string ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern().IsMatch(name))
        {
            throw LlmOpsException.Invalid($"'{name}' is not a key name: 1 to 40 lower-case letters, digits and '-', starting with a letter.");
        }

        return name;
    }

    /// <summary>Creates a key and returns its secret, which is not stored and cannot be shown again.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string name, string createdBy, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        var secret = SecretPrefix + name + "." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var row = new ApiKeyRow { PartitionKey = Partition, RowKey = name, Hash = Hash(secret), CreatedBy = createdBy, CreatedAt = clock.GetUtcNow() };
        try
        {
            await _table.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            throw LlmOpsException.Conflict($"A key named '{name}' exists already (revoked keys keep their name); choose another name.", ex);
        }

        return (row.ToKey(), secret);
    }

    /// <summary>The key a presented secret belongs to, or null when it is not a named key, unknown, wrong or revoked.</summary>
    public async Task<ApiKey?> FindAsync(string? presented, CancellationToken cancellationToken = default)
    {
        if (presented is null || !presented.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var dot = presented.IndexOf('.', SecretPrefix.Length);
        if (dot < 0 || !NamePattern().IsMatch(presented.AsSpan(SecretPrefix.Length, dot - SecretPrefix.Length)))
        {
            return null;
        }

        var row = await _table.GetEntityIfExistsAsync<ApiKeyRow>(Partition, presented[SecretPrefix.Length..dot], cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.RevokedAt is null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.Value.Hash), Encoding.ASCII.GetBytes(Hash(presented)))
            ? row.Value.ToKey()
            : null;
    }

    public async IAsyncEnumerable<ApiKey> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<ApiKeyRow>(r => r.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            yield return row.ToKey();
        }
    }

    /// <summary>Revokes a key: it opens nothing from now on; its row stays, so its name and history do.</summary>
    public async Task<ApiKey> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetEntityIfExistsAsync<ApiKeyRow>(Partition, ValidateName(name), cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            throw LlmOpsException.NotFound($"No key named '{name}' (llmops keys list shows them).");
        }

        var key = row.Value!;
        key.RevokedAt ??= clock.GetUtcNow();
        await _table.UpdateEntityAsync(key, key.ETag, TableUpdateMode.Replace, cancellationToken);
        return key.ToKey();
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9-]{0,39}$")]
    private static partial System.Text.RegularExpressions.Regex NamePattern();
}
