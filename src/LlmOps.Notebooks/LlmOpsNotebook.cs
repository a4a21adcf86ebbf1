using Azure;

namespace LlmOps.Notebooks;

/// <summary>The first call of a notebook: connect to local (Azurite) or Azure storage and get every LlmOps service.</summary>
public static class LlmOpsNotebook
{
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

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
            // Only the reachability probe is timed: provisioning on a busy machine can take longer than a probe should.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            await client.Storage.Blobs.GetPropertiesAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            client.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            var reason = ex is OperationCanceledException ? $"no answer within {ProbeTimeout.TotalSeconds:0} s" : ex.Message;
            throw new InvalidOperationException(
                $"Cannot reach storage at {client.Storage.Blobs.Uri}: {reason}. Start the local stack with `llmops up`, or pass a connection string.", ex);
        }
        try
        {
            await client.ProvisionAsync(cancellationToken);
            return client;
        }
        catch (RequestFailedException ex)
        {
            client.Dispose();
            throw new InvalidOperationException(
                $"Storage at {client.Storage.Blobs.Uri} answered but refused to create the containers, queues and tables LlmOps needs: {ex.Message}", ex);
        }
    }
}
