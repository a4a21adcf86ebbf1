using System.Globalization;
using LlmOps.Storage;
using Parquet.Serialization;

namespace LlmOps.Feedback;

/// <summary>
/// The analytics copy of feedback: append-only Parquet parts in the <c>analytics</c> container, hive-partitioned
/// (<c>traces/feature={feature}/date={yyyy-MM-dd}/part-{ulid}.parquet</c>, <c>scores/date={yyyy-MM-dd}/...</c>), each
/// written once. A part is written before the items are acknowledged, so a retry after a crash may write an item
/// twice: readers keep one row per id.
/// </summary>
public sealed class FeedbackPartitions(StorageAccount storage, TimeProvider clock)
{
    public const string TracesFolder = "traces/";
    public const string ScoresFolder = "scores/";

    public static string Day(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public async Task AppendTracesAsync(IReadOnlyList<Trace> traces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traces);
        foreach (var group in traces.GroupBy(t => (t.Feature, Day: Day(t.Time))))
        {
            await WriteAsync($"{TracesFolder}feature={group.Key.Feature}/date={group.Key.Day}/", group.Select(TraceRecord.From).ToList(), cancellationToken);
        }
    }

    public async Task AppendScoresAsync(IReadOnlyList<Score> scores, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scores);
        foreach (var group in scores.GroupBy(s => Day(s.Time)))
        {
            await WriteAsync($"{ScoresFolder}date={group.Key}/", group.Select(ScoreRecord.From).ToList(), cancellationToken);
        }
    }

    private async Task WriteAsync<T>(string folder, IReadOnlyList<T> rows, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await ParquetSerializer.SerializeAsync(rows, buffer, cancellationToken: cancellationToken);
        buffer.Position = 0;
        var name = $"{folder}part-{Ulid.NewUlid(clock.GetUtcNow())}.parquet";
        await storage.Container(StorageNames.AnalyticsContainer).GetBlobClient(name)
            .UploadAsync(buffer, new Azure.Storage.Blobs.Models.BlobUploadOptions { Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfNoneMatch = Azure.ETag.All } }, cancellationToken);
    }
}
