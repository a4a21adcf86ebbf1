using Azure.Data.Tables;
using LlmOps.Storage;

using LlmOps.Governance;

namespace LlmOps.Ingestion;

/// <summary>
/// Erased data subjects, kept so that they do not come back (table <c>suppressions</c>): each row holds the keyed hash
/// of the subject's type, field and normalized value (<see cref="DataSubject.SuppressionKey"/>), never the value, and
/// the erasure that added it. Ingestion quarantines a record that matches a row, without its fields.
/// </summary>
public sealed class SuppressionList(StorageAccount storage, SubjectHasher subjects)
{
    private const string Partition = "subject";
    private readonly TableClient _table = storage.Table(StorageNames.SuppressionsTable);

    public async Task<string> AddAsync(DataSubject subject, string erasure, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var hash = await HashAsync(subject, cancellationToken);
        var row = new TableEntity(Partition, hash) { ["Type"] = subject.Type, ["Field"] = subject.Field ?? "", ["Erasure"] = erasure, ["At"] = at };
        await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        return hash;
    }

    /// <summary>The subject's id as erasure records it: <c>subject:&lt;keyed hash&gt;</c>.</summary>
    public async Task<string> HashAsync(DataSubject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var key = await subjects.KeyAsync(cancellationToken);
        return key.Hash("subject", subject.SuppressionKey)!;
    }

    /// <summary>What ingestion checks records against: the suppressed hashes with the kinds and fields that find them; null when none.</summary>
    public async Task<SuppressionCheck?> LoadAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<(string Hash, string Type, string? Field)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(r => r.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            var field = row.GetString("Field");
            entries.Add((row.RowKey, row.GetString("Type") ?? "text", string.IsNullOrEmpty(field) ? null : field));
        }

        return entries.Count == 0 ? null : new SuppressionCheck(await subjects.KeyAsync(cancellationToken), entries);
    }
}
