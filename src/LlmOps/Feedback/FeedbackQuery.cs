using System.Data.Common;
using DuckDB.NET.Data;

namespace LlmOps.Feedback;

/// <summary>
/// An embedded DuckDB session over a feature's analytics Parquet (downloaded once to a local cache): views
/// <c>traces</c> (one row per trace id, hive columns <c>feature</c> and <c>date</c>) and <c>scores</c> (one row per
/// trace and score id), and <c>answers</c>: the traces users were answered with (no shadow answers, no embedding
/// calls), which the statistics and the canary check read. Runs any SQL: the notebooks' SQL cells and the statistics
/// go through it.
/// </summary>
public sealed class FeedbackQuery : IDisposable
{
    private readonly DuckDBConnection _connection;

    internal FeedbackQuery(string tracesGlob, string scoresGlob, bool hasTraces, bool hasScores, int files, long bytes)
    {
        Files = files;
        Bytes = bytes;
        _connection = new DuckDBConnection("Data Source=:memory:");
        _connection.Open();
        Execute(hasTraces
            ? $"CREATE VIEW all_traces AS SELECT * FROM read_parquet({Literal(tracesGlob)}, hive_partitioning = true, union_by_name = true) QUALIFY row_number() OVER (PARTITION BY Id ORDER BY Time) = 1"
            : "CREATE VIEW all_traces AS SELECT NULL::VARCHAR AS Id, NULL::TIMESTAMP AS Time, NULL::VARCHAR AS Deployment, NULL::VARCHAR AS PromptVersion, NULL::VARCHAR AS Model, NULL::VARCHAR AS Provider, NULL::VARCHAR AS Input, NULL::VARCHAR AS Output, NULL::VARCHAR AS Retrieved, NULL::DOUBLE AS LatencyMs, NULL::BIGINT AS InputTokens, NULL::BIGINT AS OutputTokens, NULL::BIGINT AS CachedInputTokens, NULL::BIGINT AS ReasoningTokens, NULL::DOUBLE AS CostUsd, NULL::VARCHAR AS Status, NULL::VARCHAR AS Error, NULL::VARCHAR AS SafetyFlags, NULL::VARCHAR AS UserHash, NULL::VARCHAR AS SessionHash, NULL::VARCHAR AS feature, NULL::DATE AS date WHERE false");
        // Parts written before a column existed lack it: it reads as its default there.
        var present = Rows("SELECT column_name FROM (DESCRIBE all_traces)").Select(r => (string)r["column_name"]!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var added = string.Concat(LaterColumns.Where(c => !present.Contains(c.Name)).Select(c => $", {c.Default} AS {c.Name}"));
        Execute($"CREATE VIEW traces AS SELECT *{added} FROM all_traces");
        Execute("CREATE VIEW answers AS SELECT * FROM traces WHERE NOT coalesce(Shadow, false) AND coalesce(Operation, 'chat') = 'chat'");
        Execute(hasScores
            ? $"CREATE VIEW scores AS SELECT * FROM read_parquet({Literal(scoresGlob)}, hive_partitioning = true, union_by_name = true) QUALIFY row_number() OVER (PARTITION BY TraceId, Id ORDER BY Time) = 1"
            : "CREATE VIEW scores AS SELECT NULL::VARCHAR AS Id, NULL::VARCHAR AS TraceId, NULL::VARCHAR AS ChunkId, NULL::VARCHAR AS Name, NULL::VARCHAR AS DataType, NULL::DOUBLE AS Value, NULL::VARCHAR AS StringValue, NULL::VARCHAR AS Source, NULL::VARCHAR AS Comment, NULL::VARCHAR AS Correction, NULL::TIMESTAMP AS Time, NULL::DATE AS date WHERE false");
    }

    /// <summary>Trace columns added after the first release, with what a part without them means.</summary>
    private static readonly (string Name, string Default)[] LaterColumns =
        [("Shadow", "false"), ("ShadowOf", "NULL::VARCHAR"), ("Operation", "NULL::VARCHAR")];

    /// <summary>Parquet files the views read.</summary>
    public int Files { get; }

    /// <summary>Their size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>Runs <paramref name="sql"/> and returns its rows, each a column-name -> value map in column order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public void Dispose() => _connection.Dispose();

    internal static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A DuckDB timestamp literal of <paramref name="time"/> in UTC, to compare with <c>Time</c> columns.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        "TIMESTAMP " + Literal(time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture));

    private void Execute(string sql)
    {
        using DbCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
