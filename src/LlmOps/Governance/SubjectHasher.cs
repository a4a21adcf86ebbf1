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
            return configured.Length >= 32
                ? new SubjectKey(Encoding.UTF8.GetBytes(configured))
                : throw LlmOpsException.Invalid($"{GovernanceOptions.SectionName}:SubjectKey has {configured.Length} characters; use at least 32 (a random secret).");
        }

        var blob = storage.Container(StorageNames.HostContainer).GetBlobClient("secrets/subject-key");
        var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        if (await blob.TryCreateAsync(BinaryData.FromString(fresh), cancellationToken: cancellationToken))
        {
            return new SubjectKey(Encoding.UTF8.GetBytes(fresh));
        }

        // Another process created it first: use theirs.
        return new SubjectKey(Encoding.UTF8.GetBytes((await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString()));
    }
}
