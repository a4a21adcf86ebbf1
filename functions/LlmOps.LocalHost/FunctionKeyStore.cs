using System.Security.Cryptography;
using System.Text.Json;
using LlmOps.Governance;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.LocalHost;

/// <summary>
/// Function keys for HTTP routes. Unless fixed in configuration, they are generated once and kept in
/// <c>llmops-hosts/secrets/host.json</c> (as the Functions host keeps them in azure-webjobs-secrets), so every
/// instance and every restart uses the same keys.
/// </summary>
public sealed class FunctionKeyStore(StorageAccount storage, LocalHostOptions options, ApiKeyStore namedKeys)
{
    private readonly Lock _lock = new();
    private Task<FunctionKeys>? _keys;

    public Task<FunctionKeys> GetKeysAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // A failed load (storage not up yet) is tried again on the next request.
            if (_keys is null || _keys.IsFaulted || _keys.IsCanceled)
            {
                _keys = LoadOrCreateAsync(CancellationToken.None);
            }

            return _keys.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Whether <paramref name="presented"/> opens a route of <paramref name="level"/>: the master key any, the function key or a named key (<c>llmops keys create</c>) a function-level one.</summary>
    public async Task<bool> IsAuthorizedAsync(FunctionAuthLevel level, string? presented, CancellationToken cancellationToken)
    {
        if (level == FunctionAuthLevel.Anonymous)
        {
            return true;
        }

        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var keys = await GetKeysAsync(cancellationToken);
        return FunctionKeys.Matches(presented, keys.MasterKey)
            || (level == FunctionAuthLevel.Function && (FunctionKeys.Matches(presented, keys.FunctionKey) || await namedKeys.FindAsync(presented, cancellationToken) is not null));
    }

    private async Task<FunctionKeys> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.HostContainer);
        var blob = container.GetBlobClient(FunctionKeys.BlobName);
        var stored = await blob.ReadAsync<FunctionKeys>(cancellationToken);
        if (stored is null)
        {
            stored = new FunctionKeys(NewKey(), NewKey());
            if (!await blob.TryCreateAsync(BinaryData.FromObjectAsJson(stored, JsonSerializerOptions.Web), cancellationToken: cancellationToken))
            {
                // Another instance created the keys first: use theirs.
                stored = await blob.ReadAsync<FunctionKeys>(cancellationToken)
                    ?? throw new InvalidOperationException("llmops-hosts/secrets/host.json vanished while the keys were created.");
            }
        }

        return new FunctionKeys(
            string.IsNullOrEmpty(options.MasterKey) ? stored.MasterKey : options.MasterKey,
            string.IsNullOrEmpty(options.FunctionKey) ? stored.FunctionKey : options.FunctionKey);
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
