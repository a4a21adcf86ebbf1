using System.Text.Json;
using Azure.Storage.Blobs;
using LlmOps.Storage;

namespace LlmOps.Monitoring;

/// <summary>
/// Persists each timer's schedule status under <c>llmops-hosts/timers/</c> (the local twin of the Functions host's
/// schedule monitor), so a host that starts after a missed occurrence knows to run it once.
/// </summary>
public sealed class TimerScheduleMonitor(StorageAccount storage)
{
    private readonly BlobContainerClient _container = storage.Container(StorageNames.HostContainer);

    public Task<TimerScheduleStatus?> GetStatusAsync(string function, CancellationToken cancellationToken) =>
        StatusBlob(function).ReadAsync<TimerScheduleStatus>(cancellationToken);

    public async Task SetStatusAsync(string function, TimerScheduleStatus status, CancellationToken cancellationToken)
    {
        await StatusBlob(function).UploadAsync(BinaryData.FromObjectAsJson(status, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
    }

    /// <summary>The blob whose lease makes one host the singleton runner of a timer.</summary>
    public BlobClient LockBlob(string function) => _container.GetBlobClient($"locks/timers/{function}");

    private BlobClient StatusBlob(string function) => _container.GetBlobClient($"timers/{function}/status.json");
}
