using System.Globalization;
using Azure.Data.Tables;
using LlmOps.Storage;
using LlmOps.Triggers;

namespace LlmOps.Monitoring;

/// <summary>The heartbeat timer: proves the schedule runs by writing one row per occurrence.</summary>
public sealed class HeartbeatRecorder(StorageAccount storage, TimeProvider clock) : ITimerTriggerHandler
{
    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var table = storage.Table(StorageNames.HeartbeatsTable);
        var scheduled = tick.ScheduledTime.ToUniversalTime();
        await table.UpsertEntityAsync(
            new Heartbeat
            {
                PartitionKey = scheduled.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                RowKey = scheduled.ToString("HHmmss.fffffff", CultureInfo.InvariantCulture),
                ScheduledTime = scheduled,
                RecordedAt = clock.GetUtcNow(),
                IsPastDue = tick.IsPastDue,
                Machine = Environment.MachineName,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }
}
