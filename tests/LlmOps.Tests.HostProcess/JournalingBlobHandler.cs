using Azure.Data.Tables;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Tests.HostProcess;

/// <summary>
/// Writes a "start" row before and a "done" row after each run, in a table the test reads. A blob whose name
/// contains "hang" blocks on its first run, so the test can kill the host while that handler is mid-run; one whose
/// name contains "crash" kills its own process every time.
/// </summary>
public sealed class JournalingBlobHandler(TableClient journal) : IBlobTriggerHandler
{
    public async Task<HandlerOutcome> HandleAsync(BlobTriggerInput blob, CancellationToken cancellationToken)
    {
        var partition = TableKey.Encode(blob.Name);
        await journal.AddEntityAsync(new TableEntity(partition, "start-" + Guid.NewGuid().ToString("N")), cancellationToken);
        if (blob.Name.Contains("crash", StringComparison.Ordinal))
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }

        if (blob.Name.Contains("hang", StringComparison.Ordinal))
        {
            var starts = 0;
            await foreach (var _ in journal.QueryAsync<TableEntity>(
                $"PartitionKey eq {TableKey.Literal(partition)} and RowKey ge 'start-' and RowKey lt 'start.'", cancellationToken: cancellationToken))
            {
                starts++;
            }

            if (starts == 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }

        await journal.AddEntityAsync(new TableEntity(partition, "done-" + Guid.NewGuid().ToString("N")), cancellationToken);
        return HandlerOutcome.Done;
    }
}
