using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>Table <c>driftschedule</c>: the last run of each feature's scheduled drift check.</summary>
public sealed class DriftScheduleStore(StorageAccount storage)
{
    private const string Row = "schedule";
    private readonly TableClient _table = storage.Table(StorageNames.DriftScheduleTable);

    public async Task<DriftScheduleRow?> GetAsync(string feature, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetEntityIfExistsAsync<DriftScheduleRow>(TableKey.Encode(feature), Row, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task RecordRunAsync(string feature, string schedule, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await _table.UpsertEntityAsync(
            new DriftScheduleRow { PartitionKey = TableKey.Encode(feature), RowKey = Row, LastRun = at, Schedule = schedule },
            TableUpdateMode.Replace,
            cancellationToken);
}
