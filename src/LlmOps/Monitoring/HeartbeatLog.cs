using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Monitoring;

/// <summary>Table <c>heartbeats</c>: one <see cref="Heartbeat"/> per timer occurrence (PartitionKey the UTC day, RowKey the scheduled time).</summary>
public sealed class HeartbeatLog(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.HeartbeatsTable);

    public async Task RecordAsync(Heartbeat beat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(beat);
        beat.PartitionKey = beat.ScheduledTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        beat.RowKey = beat.ScheduledTime.ToString("HHmmss.fffffff", CultureInfo.InvariantCulture);
        await _table.UpsertEntityAsync(beat, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Beats recorded at or after <paramref name="since"/>, page by page.</summary>
    public async IAsyncEnumerable<Heartbeat> SinceAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var beat in _table.QueryAsync<Heartbeat>(b => b.RecordedAt >= since, cancellationToken: cancellationToken))
        {
            yield return beat;
        }
    }
}
