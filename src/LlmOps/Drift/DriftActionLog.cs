using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Drift;

/// <summary>Table <c>driftactions</c>: when each cause (action and signal) of a feature last sent an action, so a cool-down can hold repeats back.</summary>
public sealed class DriftActionLog(StorageAccount storage)
{
    private readonly TableClient _table = storage.Table(StorageNames.DriftActionsTable);

    public async Task<DriftActionRow?> LastSentAsync(string feature, string cause, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetEntityIfExistsAsync<DriftActionRow>(TableKey.Encode(feature), TableKey.Encode(cause), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    public async Task RecordSentAsync(string feature, string cause, DateTimeOffset sentAt, string reportId, CancellationToken cancellationToken = default) =>
        await _table.UpsertEntityAsync(
            new DriftActionRow { PartitionKey = TableKey.Encode(feature), RowKey = TableKey.Encode(cause), SentAt = sentAt, Report = reportId },
            TableUpdateMode.Replace,
            cancellationToken);
}
