using System.Security.Cryptography;
using System.Text;
using LlmOps.Errors;
using LlmOps.Storage;
using Microsoft.Extensions.Options;

namespace LlmOps.Governance;

/// <summary>
/// Where the <see cref="SubjectKey"/> comes from: <c>LlmOps:Governance:SubjectKey</c> (in Azure a Key Vault reference,
/// which Bicep sets), else a key generated once and kept in <c>llmops-hosts/secrets/subject-key</c> (as the local host
/// keeps its function keys), so every host and the CLI hash the same id the same way.
/// </summary>
public sealed class SubjectHasher(StorageAccount storage, IOptions<GovernanceOptions> options)
{
    private readonly Lock _lock = new();
    private Task<SubjectKey>? _key;

    public Task<SubjectKey> KeyAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // A failed load (storage not up yet) is tried again on the next call.
            if (_key is null || _key.IsFaulted || _key.IsCanceled)
            {
                _key = LoadAsync(CancellationToken.None);
            }

            return _key.WaitAsync(cancellationToken);
        }
    }

    private async Task<SubjectKey> LoadAsync(CancellationToken cancellationToken)
    {
        if (options.Value.SubjectKey is { Length: > 0 } configured)
        {
            if (configured.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            {
                // App Service leaves a reference it could not resolve as written: hashing with it would be wrong silently.
                throw LlmOpsException.Invalid(
                    $"{GovernanceOptions.SectionName}:SubjectKey is a Key Vault reference the platform did not resolve ({configured}): the app's identity needs Key Vault Secrets User on the vault, and the secret must exist (azd provision runs infra/hooks/postprovision, which creates it).");
            }

            return configured.Length >= 32
                ? new SubjectKey(Encoding.UTF8.GetBytes(configured))
                : throw LlmOpsException.Invalid($"{GovernanceOptions.SectionName}:SubjectKey has {configured.Length} characters; use at least 32 (a random secret).");
        }

        var blob = storage.Container(StorageNames.HostContainer).GetBlobClient("secrets/subject-key");
        if (!blob.Uri.IsLoopback)
        {
            // In Azure the key is in Key Vault (the app reads it through a Key Vault reference); a key kept here would
            // hash differently from the app's, so an erasure or a lookup from this machine would silently miss.
            throw LlmOpsException.Invalid(
                $"No subject key is configured for {blob.Uri.Host}: set {GovernanceOptions.SectionName.Replace(":", "__", StringComparison.Ordinal)}__SubjectKey to the app's, e.g. "
                + "export LlmOps__Governance__SubjectKey=\"$(az keyvault secret show --vault-name $AZURE_KEY_VAULT_NAME --name subject-key --query value --output tsv)\"");
        }

        var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        if (await blob.TryCreateAsync(BinaryData.FromString(fresh), cancellationToken: cancellationToken))
        {
            return new SubjectKey(Encoding.UTF8.GetBytes(fresh));
        }

        // Another process created it first: use theirs.
        return new SubjectKey(Encoding.UTF8.GetBytes((await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString()));
    }
}
