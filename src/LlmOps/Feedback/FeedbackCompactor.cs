using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using DuckDB.NET.Data;
using LlmOps.Storage;
using LlmOps.Triggers;
using Microsoft.Extensions.Logging;

namespace LlmOps.Feedback;

/// <summary>
/// The timer that compacts the analytics Parquet: every day folder before today that holds more than one part (or a
/// part beside an earlier daily file) is rewritten as one <c>daily-{ulid}.parquet</c>, one row per id, and the parts
/// it replaced are deleted after it is written. Readers keep one row per id, so a reader between the write and the
/// deletes sees the same numbers; a crash in between leaves a folder the next run compacts again; a part that arrives
/// late for a compacted day is folded in by the next run.
/// </summary>
public sealed class FeedbackCompactor(StorageAccount storage, TimeProvider clock, ILogger<FeedbackCompactor> logger) : ITimerTriggerHandler
{
    public const string DailyPrefix = "daily-";

    public async Task HandleAsync(TimerTriggerInput tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var compacted = await CompactAsync(cancellationToken);
        logger.LogInformation("Compacted {Folders} feedback day folder(s)", compacted);
    }

    /// <summary>Compacts every day folder before today with more than one file; returns how many.</summary>
    public async Task<int> CompactAsync(CancellationToken cancellationToken = default)
    {
        var container = storage.Container(StorageNames.AnalyticsContainer);
        var today = FeedbackPartitions.Day(clock.GetUtcNow());
        var folders = new Dictionary<string, List<BlobItem>>(StringComparer.Ordinal);
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions(), cancellationToken))
        {
            var slash = blob.Name.LastIndexOf('/');
            var folder = slash < 0 ? "" : blob.Name[..(slash + 1)];
            var day = folder.Split('/').FirstOrDefault(p => p.StartsWith("date=", StringComparison.Ordinal))?["date=".Length..];
            if (day is not null && string.CompareOrdinal(day, today) < 0 && blob.Name.EndsWith(".parquet", StringComparison.Ordinal))
            {
                (folders.TryGetValue(folder, out var parts) ? parts : folders[folder] = []).Add(blob);
            }
        }

        var count = 0;
        foreach (var (folder, parts) in folders.Where(f => f.Value.Count > 1))
        {
            await CompactFolderAsync(folder, parts, cancellationToken);
            count++;
        }

        return count;
    }

    private async Task CompactFolderAsync(string folder, List<BlobItem> parts, CancellationToken cancellationToken)
    {
        var container = storage.Container(StorageNames.AnalyticsContainer);
        var work = Directory.CreateTempSubdirectory("llmops-compact-");
        try
        {
            var files = new List<string>();
            foreach (var part in parts)
            {
                var local = Path.Combine(work.FullName, Path.GetFileName(part.Name));
                await container.GetBlobClient(part.Name).DownloadToAsync(local, cancellationToken);
                files.Add(local);
            }

            var key = folder.StartsWith(FeedbackPartitions.ScoresFolder, StringComparison.Ordinal) ? "TraceId, Id" : "Id";
            var output = Path.Combine(work.FullName, "daily.parquet");
            using (var connection = new DuckDBConnection("Data Source=:memory:"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                var list = string.Join(", ", files.Select(FeedbackQuery.Literal));
                command.CommandText = $"COPY (SELECT * FROM read_parquet([{list}], union_by_name = true) QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY Time) = 1 ORDER BY Time) TO {FeedbackQuery.Literal(output)} (FORMAT parquet)";
                command.ExecuteNonQuery();
            }

            var daily = $"{folder}{DailyPrefix}{Ulid.NewUlid(clock.GetUtcNow())}.parquet";
            await container.GetBlobClient(daily).UploadAsync(output, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            foreach (var part in parts)
            {
                await container.GetBlobClient(part.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }

            logger.LogInformation("Compacted {Parts} part(s) of {Folder} into {Daily}", parts.Count, folder, daily);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
