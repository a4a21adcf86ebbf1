using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LlmOps.Errors;
using LlmOps.Storage;

namespace LlmOps.Feedback;

/// <summary>
/// Feedback analytics on one machine: the feature's Parquet parts (and every score part) for the days asked are
/// downloaded once into a local cache (parts are written once, so a cached file is never stale; one no longer stored is
/// dropped from the cache) and queried with
/// embedded DuckDB (<see cref="FeedbackQuery"/>). The same hive-partitioned folders are what Spark, Fabric or Synapse
/// read when a feature outgrows one machine.
/// </summary>
public sealed class FeedbackAnalytics(StorageAccount storage)
{
    public static IReadOnlyList<string> Groupings { get; } = ["none", "prompt", "deployment", "model", "day"];

    /// <summary>Per trace id: its thumbs-up (mean of its thumbs_up scores), whether it has a correction, whether it was escalated.</summary>
    internal const string PerTraceScores = """
        SELECT TraceId,
               avg(Value) FILTER (WHERE Name = 'thumbs_up') AS thumbs,
               max(CASE WHEN coalesce(Correction, '') <> '' THEN 1 ELSE 0 END) AS corrected,
               max(CASE WHEN Name = 'escalated' AND Value = 1 THEN 1 ELSE 0 END) AS escalated
        FROM scores GROUP BY TraceId
        """;

    /// <summary>A DuckDB session over <paramref name="feature"/>'s traces since <paramref name="since"/> (by day) and the scores of those days on.</summary>
    public async Task<FeedbackQuery> OpenAsync(string feature, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feature);
        var cache = Path.Combine(Path.GetTempPath(), "llmops-analytics", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(storage.Container(StorageNames.AnalyticsContainer).Uri.AbsoluteUri)))[..16]);
        var firstDay = FeedbackPartitions.Day(since);
        var (traceFiles, traceBytes) = await DownloadAsync($"{FeedbackPartitions.TracesFolder}feature={feature}/", firstDay, cache, cancellationToken);
        var (scoreFiles, scoreBytes) = await DownloadAsync(FeedbackPartitions.ScoresFolder, firstDay, cache, cancellationToken);
        return new FeedbackQuery(
            Path.Combine(cache, "traces", $"feature={feature}", "*", "*.parquet"),
            Path.Combine(cache, "scores", "*", "*.parquet"),
            traceFiles > 0,
            scoreFiles > 0,
            traceFiles + scoreFiles,
            traceBytes + scoreBytes);
    }

    /// <summary>The statistics of <paramref name="feature"/> since <paramref name="since"/>, grouped by <paramref name="by"/> (<see cref="Groupings"/>).</summary>
    public async Task<FeedbackStats> StatsAsync(string feature, DateTimeOffset since, string by = "none", CancellationToken cancellationToken = default)
    {
        var key = by switch
        {
            "none" => "'all'",
            "prompt" => "coalesce(t.PromptVersion, '(none)')",
            "deployment" => "coalesce(t.Deployment, '(none)')",
            "model" => "coalesce(t.Model, '(none)')",
            "day" => "strftime(t.Time, '%Y-%m-%d')",
            _ => throw LlmOpsException.Invalid($"Cannot group by '{by}': expected {string.Join(", ", Groupings)}."),
        };
        using var query = await OpenAsync(feature, since, cancellationToken);
        var window = $"SELECT *, {key} AS grp FROM answers t WHERE t.Time >= {FeedbackQuery.Timestamp(since)}";
        var groups = query.Rows($"""
            WITH w AS ({window}), s AS ({PerTraceScores})
            SELECT grp,
                   count(*) AS requests,
                   avg(s.thumbs) AS thumbs_up_rate,
                   count(s.thumbs) AS thumbs_rated,
                   avg(coalesce(s.corrected, 0)) AS correction_rate,
                   avg(coalesce(s.escalated, 0)) AS escalation_rate,
                   quantile_cont(w.LatencyMs, 0.5) AS p50,
                   quantile_cont(w.LatencyMs, 0.95) AS p95,
                   quantile_cont(w.LatencyMs, 0.99) AS p99,
                   CAST(coalesce(sum(w.InputTokens), 0) AS BIGINT) AS input_tokens,
                   CAST(coalesce(sum(w.OutputTokens), 0) AS BIGINT) AS output_tokens,
                   avg(w.CostUsd) AS cost_per_request,
                   sum(w.CostUsd) / count(DISTINCT CAST(w.Time AS DATE)) AS cost_per_day,
                   avg(CASE WHEN w.Status = 'error' THEN 1 ELSE 0 END) AS error_rate,
                   avg(CASE WHEN coalesce(w.SafetyFlags, '') <> '' THEN 1 ELSE 0 END) AS safety_flag_rate
            FROM w LEFT JOIN s ON s.TraceId = w.Id
            GROUP BY grp ORDER BY grp
            """);
        var numeric = query.Rows($"""
            WITH w AS ({window})
            SELECT grp, sc.Name AS name, avg(sc.Value) AS mean
            FROM w JOIN scores sc ON sc.TraceId = w.Id
            WHERE sc.DataType = 'NUMERIC'
            GROUP BY grp, sc.Name
            """);
        var stats = groups.Select(g =>
        {
            var group = (string)g["grp"]!;
            return new FeedbackGroupStats(
                group,
                System.Convert.ToInt64(g["requests"], CultureInfo.InvariantCulture),
                Double(g["thumbs_up_rate"]),
                System.Convert.ToInt64(g["thumbs_rated"], CultureInfo.InvariantCulture),
                Double(g["correction_rate"]) ?? 0,
                Double(g["escalation_rate"]) ?? 0,
                numeric.Where(n => (string)n["grp"]! == group).ToDictionary(n => (string)n["name"]!, n => Double(n["mean"]) ?? 0, StringComparer.Ordinal),
                Double(g["p50"]),
                Double(g["p95"]),
                Double(g["p99"]),
                System.Convert.ToInt64(g["input_tokens"], CultureInfo.InvariantCulture),
                System.Convert.ToInt64(g["output_tokens"], CultureInfo.InvariantCulture),
                Double(g["cost_per_request"]),
                Double(g["cost_per_day"]),
                Double(g["error_rate"]) ?? 0,
                Double(g["safety_flag_rate"]) ?? 0);
        }).ToList();
        return new FeedbackStats(feature, since, by, stats, query.Files, query.Bytes);
    }

    private static double? Double(object? value) => value is null ? null : System.Convert.ToDouble(value, CultureInfo.InvariantCulture);

    /// <summary>Downloads the parts under <paramref name="prefix"/> of days from <paramref name="firstDay"/> on that the cache lacks.</summary>
    private async Task<(int Files, long Bytes)> DownloadAsync(string prefix, string firstDay, string cache, CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.AnalyticsContainer);
        var wanted = new List<(string Name, long Size)>();
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            stored.Add(blob.Name);
            var day = blob.Name.Split('/').FirstOrDefault(p => p.StartsWith("date=", StringComparison.Ordinal))?["date=".Length..];
            if (day is not null && string.CompareOrdinal(day, firstDay) >= 0 && blob.Name.EndsWith(".parquet", StringComparison.Ordinal))
            {
                wanted.Add((blob.Name, blob.Properties.ContentLength ?? 0));
            }
        }

        // Parts compacted away (or erased) since they were cached must not be read again.
        var local = Path.Combine(cache, prefix.Replace('/', Path.DirectorySeparatorChar));
        if (Directory.Exists(local))
        {
            foreach (var file in Directory.EnumerateFiles(local, "*.parquet", SearchOption.AllDirectories))
            {
                if (!stored.Contains(Path.GetRelativePath(cache, file).Replace(Path.DirectorySeparatorChar, '/')))
                {
                    File.Delete(file);
                }
            }
        }

        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (blob, ct) =>
        {
            var path = Path.Combine(cache, blob.Name.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(path) && new FileInfo(path).Length == blob.Size)
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            await container.GetBlobClient(blob.Name).DownloadToAsync(partial, ct);
            File.Move(partial, path, overwrite: true);
        });
        return (wanted.Count, wanted.Sum(w => w.Size));
    }
}
