using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using LlmOps.Storage;

namespace LlmOps.Feedback;

/// <summary>
/// Traces and scores for point lookups (table <c>feedback</c>): a trace id's partition is a bucket of its hash, its
/// rows the trace and its scores. Writes are first-write-wins by id: a batch goes in one transaction per partition
/// (of up to 100 rows) that only adds; a transaction that meets an existing id is retried row by row, so the new rows
/// are written and the repeated ones are reported as duplicates and left as they were.
/// </summary>
public sealed class FeedbackStore(StorageAccount storage)
{
    public const int Buckets = 16;
    private const int MaxText = 30_000;
    private const int TransactionSize = 100;
    private readonly TableClient _table = storage.Table(StorageNames.FeedbackTable);

    public static string PartitionOf(string traceId)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        return "b" + (XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(traceId)) % Buckets).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string TraceRowKey(string traceId) => TableKey.Encode(traceId) + "|trace";

    public static string ScoreRowKey(string traceId, string scoreId) => TableKey.Encode(traceId) + "|score|" + TableKey.Encode(scoreId);

    /// <summary>Writes traces of distinct ids; returns the ids that were stored already (left unchanged).</summary>
    public async Task<IReadOnlySet<string>> AddTracesAsync(IReadOnlyList<Trace> traces, CancellationToken cancellationToken = default) =>
        (await AddAsync([.. traces.Select(t => (ITableEntity)RowOf(t))], cancellationToken)).Select(row => ((TraceRow)row).Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>Writes scores of distinct (trace, id); returns the row keys (<see cref="ScoreRowKey"/>) stored already (left unchanged).</summary>
    public async Task<IReadOnlySet<string>> AddScoresAsync(IReadOnlyList<Score> scores, CancellationToken cancellationToken = default) =>
        (await AddAsync([.. scores.Select(s => (ITableEntity)RowOf(s))], cancellationToken)).Select(row => row.RowKey).ToHashSet(StringComparer.Ordinal);

    /// <summary>A trace and every score stored for its id (scores may exist before their trace does).</summary>
    public async Task<(Trace? Trace, IReadOnlyList<Score> Scores)> GetAsync(string traceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        var partition = PartitionOf(traceId);
        var trace = await _table.GetEntityIfExistsAsync<TraceRow>(partition, TraceRowKey(traceId), cancellationToken: cancellationToken);
        var scores = new List<Score>();
        await foreach (var row in _table.QueryAsync<ScoreRow>(TableKey.PrefixFilter(partition, TableKey.Encode(traceId) + "|score|"), cancellationToken: cancellationToken))
        {
            scores.Add(ToScore(row));
        }

        return (trace.HasValue ? ToTrace(trace.Value!) : null, scores.OrderBy(s => s.Time).ToList());
    }

    /// <summary>
    /// Deletes the traces of <paramref name="feature"/> older than <paramref name="before"/> and every score stored for
    /// them, one transaction per partition and 100 rows (none when <paramref name="dryRun"/>); returns how many of each.
    /// </summary>
    public async Task<(int Traces, int Scores)> ExpireTracesAsync(string feature, DateTimeOffset before, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feature);
        var expired = new List<(string Partition, string Id)>();
        await foreach (var row in _table.QueryAsync<TraceRow>(TraceFilter(feature, before), select: ["PartitionKey", "Id"], cancellationToken: cancellationToken))
        {
            expired.Add((row.PartitionKey, row.Id));
        }

        return await DeleteTracesAsync(expired, dryRun, cancellationToken);
    }

    /// <summary>
    /// Deletes traces (by partition and id) with every score stored for them, one transaction per partition and 100
    /// rows (none when <paramref name="dryRun"/>); returns how many trace and score rows there were.
    /// </summary>
    public async Task<(int Traces, int Scores)> DeleteTracesAsync(IEnumerable<(string Partition, string Id)> traces, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var rows = new List<(string Partition, string RowKey, bool Trace)>();
        foreach (var (partition, id) in traces)
        {
            await foreach (var row in _table.QueryAsync<TableEntity>(TableKey.PrefixFilter(partition, TableKey.Encode(id) + "|"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                rows.Add((row.PartitionKey, row.RowKey, row.RowKey == TraceRowKey(id)));
            }
        }

        if (!dryRun)
        {
            foreach (var group in rows.GroupBy(r => r.Partition).SelectMany(g => g.Chunk(TransactionSize)))
            {
                await _table.SubmitTransactionAsync(group.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.Partition, r.RowKey), ETag.All)), cancellationToken);
            }
        }

        return (rows.Count(r => r.Trace), rows.Count(r => !r.Trace));
    }

    private static string TraceFilter(string feature, DateTimeOffset before) =>
        $"Feature eq {TableKey.Literal(feature)} and Time lt datetime'{before.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture)}'";

    /// <summary>Adds rows of distinct keys, one transaction per partition and 100 rows; returns the rows that existed already.</summary>
    private async Task<IReadOnlyList<ITableEntity>> AddAsync(List<ITableEntity> rows, CancellationToken cancellationToken)
    {
        var existing = new System.Collections.Concurrent.ConcurrentBag<ITableEntity>();
        var groups = rows.GroupBy(r => r.PartitionKey).SelectMany(g => g.Chunk(TransactionSize)).ToList();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            try
            {
                await _table.SubmitTransactionAsync(group.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), ct);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // One of them exists: each on its own, so the new ones are written and the others reported.
                foreach (var row in group)
                {
                    try
                    {
                        await _table.AddEntityAsync(row, ct);
                    }
                    catch (RequestFailedException single) when (single.Status == 409)
                    {
                        existing.Add(row);
                    }
                }
            }
        });
        return [.. existing];
    }

    private static TraceRow RowOf(Trace trace) => new()
    {
        PartitionKey = PartitionOf(trace.Id),
        RowKey = TraceRowKey(trace.Id),
        Id = trace.Id,
        Time = trace.Time,
        Feature = trace.Feature,
        Deployment = trace.Deployment,
        PromptVersion = trace.PromptVersion,
        Model = trace.Model,
        Provider = trace.Provider,
        Input = Cut(trace.Input),
        Output = Cut(trace.Output),
        Retrieved = Cut(JsonSerializer.Serialize(trace.Retrieved, JsonSerializerOptions.Web))!,
        LatencyMs = trace.LatencyMs,
        InputTokens = trace.InputTokens,
        OutputTokens = trace.OutputTokens,
        CachedInputTokens = trace.CachedInputTokens,
        ReasoningTokens = trace.ReasoningTokens,
        CostUsd = trace.CostUsd,
        Status = trace.Status,
        Error = Cut(trace.Error),
        SafetyFlags = string.Join(',', trace.SafetyFlags),
        UserHash = trace.UserHash,
        SessionHash = trace.SessionHash,
        Shadow = trace.Shadow,
        ShadowOf = trace.ShadowOf,
        Operation = trace.Operation,
    };

    private static ScoreRow RowOf(Score score) => new()
    {
        PartitionKey = PartitionOf(score.TraceId),
        RowKey = ScoreRowKey(score.TraceId, score.Id),
        Id = score.Id,
        TraceId = score.TraceId,
        ChunkId = score.ChunkId,
        Name = score.Name,
        DataType = score.DataType,
        Value = score.Value,
        StringValue = Cut(score.StringValue),
        Source = score.Source,
        Comment = Cut(score.Comment),
        Correction = Cut(score.Correction),
        Time = score.Time,
    };

    private static Trace ToTrace(TraceRow row) => new(
        row.Id, row.Time, row.Feature, row.Deployment, row.PromptVersion, row.Model, row.Provider, row.Input, row.Output,
        JsonSerializer.Deserialize<List<TraceChunk>>(row.Retrieved, JsonSerializerOptions.Web) ?? [],
        row.LatencyMs, row.InputTokens, row.OutputTokens, row.CachedInputTokens, row.ReasoningTokens, row.CostUsd, row.Status, row.Error,
        row.SafetyFlags.Length == 0 ? [] : row.SafetyFlags.Split(','), row.UserHash, row.SessionHash, row.Shadow, row.ShadowOf, row.Operation);

    private static Score ToScore(ScoreRow row) =>
        new(row.Id, row.TraceId, row.ChunkId, row.Name, row.DataType, row.Value, row.StringValue, row.Source, row.Comment, row.Correction, row.Time);

    private static string? Cut(string? text) => text is null || text.Length <= MaxText ? text : text[..MaxText];
}
