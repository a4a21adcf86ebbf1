using Azure;

namespace LlmOps.Notebooks;

/// <summary>The first call of a notebook: connect to local (Azurite) or Azure storage and get every LlmOps service.</summary>
public static class LlmOpsNotebook
{
    /// <summary>
    /// Connects to <paramref name="connectionString"/> (default: $LLMOPS_STORAGE, else the Azurite `llmops up` runs) and
    /// checks it answers, with a clear message when it does not. <paramref name="storagePrefix"/> (default:
    /// $LLMOPS_STORAGE_PREFIX) is the storage name prefix of the installation, as `--storage-prefix` on the CLI.
    /// </summary>
    public static async Task<LlmOpsClient> ConnectAsync(string? connectionString = null, string? storagePrefix = null, CancellationToken cancellationToken = default)
    {
        var target = !string.IsNullOrWhiteSpace(connectionString) ? connectionString
            : Environment.GetEnvironmentVariable("LLMOPS_STORAGE") is { Length: > 0 } fromEnvironment ? fromEnvironment
            : Storage.StorageAccount.DevelopmentStorage;
        var prefix = !string.IsNullOrWhiteSpace(storagePrefix) ? storagePrefix : Environment.GetEnvironmentVariable("LLMOPS_STORAGE_PREFIX");
        var client = new LlmOpsClient(target, string.IsNullOrWhiteSpace(prefix) ? null : prefix);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await client.Storage.Blobs.GetPropertiesAsync(timeout.Token);
            await client.ProvisionAsync(timeout.Token);
            return client;
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            client.Dispose();
            throw new InvalidOperationException(
                $"Cannot reach storage at {client.Storage.Blobs.Uri}: {ex.Message}. Start the local stack with `llmops up`, or pass a connection string.", ex);
        }
    }
}
