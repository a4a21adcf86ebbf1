using Azure.Storage.Blobs;

namespace LlmOps.Tests.Worker;

/// <summary>
/// What the probe functions did, as blobs in &lt;prefix&gt;probe-journal: started/{name}/{id} when an invocation
/// begins, completed/{name}/{id} when it ends. An invocation held on release/{name} waits until that blob exists.
/// </summary>
public sealed class ProbeJournal(string connectionString, string prefix)
{
    public const string Container = "probe-journal";

    private readonly BlobContainerClient _journal = new BlobServiceClient(connectionString).GetBlobContainerClient(prefix + Container);

    public Task RecordAsync(string stage, string name, CancellationToken cancellationToken) =>
        _journal.GetBlobClient($"{stage}/{name}/{Guid.NewGuid():N}").UploadAsync(BinaryData.FromString(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);

    public async Task WaitForReleaseAsync(string name, CancellationToken cancellationToken)
    {
        var release = _journal.GetBlobClient($"release/{name}");
        while (!await release.ExistsAsync(cancellationToken))
        {
            await Task.Delay(50, cancellationToken);
        }
    }
}
