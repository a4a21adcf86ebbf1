using Azure.Storage.Blobs;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace LlmOps.Tests.Worker;

/// <summary>
/// Probes: the input's text says what to do. "hold" waits for its release, "throw" fails with a known message,
/// anything else completes at once. Every invocation journals its start and, if it gets there, its completion.
/// </summary>
public sealed class ProbeFunctions(ProbeJournal journal)
{
    [Function("ProbeBlob")]
    public async Task Blob(
        [BlobTrigger("probe/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        string name,
        CancellationToken cancellationToken)
    {
        var text = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        await RunAsync(name, text, cancellationToken);
    }

    [Function("ProbeQueue")]
    public Task Queue([QueueTrigger("probe-queue", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var text = message.Body.ToString();
        return RunAsync(text.Split(' ')[^1], text, cancellationToken);
    }

    /// <summary>The benchmark's function: nothing to do, so what is measured is the dispatch.</summary>
    [Function("NoopBlob")]
    public static void Noop([BlobTrigger("noop/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
    }

    private async Task RunAsync(string name, string text, CancellationToken cancellationToken)
    {
        await journal.RecordAsync("started", name, cancellationToken);
        if (text.StartsWith("hold", StringComparison.Ordinal))
        {
            await journal.WaitForReleaseAsync(name, cancellationToken);
        }

        if (text.StartsWith("throw", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"probe failure for {name}");
        }

        await journal.RecordAsync("completed", name, cancellationToken);
    }
}
