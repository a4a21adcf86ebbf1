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

    /// <summary>
    /// The newest beat recorded at or after <paramref name="since"/> (at most a day before <paramref name="now"/>), or
    /// null: read from the partitions of the days between, newest day first, not by a scan of the table.
    /// </summary>
    public async Task<Heartbeat?> LatestAsync(DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        for (var day = now.UtcDateTime.Date; day >= since.UtcDateTime.Date; day = day.AddDays(-1))
        {
            Heartbeat? newest = null;
            var partition = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            // A partition's rows come in RowKey (scheduled time) order: the last is the newest.
            await foreach (var beat in _table.QueryAsync<Heartbeat>(b => b.PartitionKey == partition, cancellationToken: cancellationToken))
            {
                newest = beat;
            }

            if (newest is not null)
            {
                return newest.RecordedAt >= since ? newest : null;
            }
        }

        return null;
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
