using Azure;

namespace LlmOps.Storage;

/// <summary>
/// Creates every container, queue and table of <see cref="StorageNames"/> once, where LlmOps starts (the local host,
/// the CLI, a notebook's connect), so no call along the way has to ask whether its table exists. In Azure, Bicep
/// creates them and this finds them there. Safe to run again and from several processes at once.
/// </summary>
public static class StorageProvisioner
{
    public static async Task EnsureAsync(StorageAccount storage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var work = new List<Task>();
        work.AddRange(StorageNames.Containers.Select(name => Run(() => storage.Container(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
        work.AddRange(StorageNames.Queues.Select(name => Run(() => storage.Queue(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
        work.AddRange(StorageNames.Tables.Select(name => Run(() => storage.Table(name).CreateIfNotExistsAsync(cancellationToken))));
        await Task.WhenAll(work);
    }

    private static async Task Run(Func<Task> create)
    {
        try
        {
            await create();
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Created by another process between its check and ours, or still being deleted: either way it is there.
        }
    }
}
