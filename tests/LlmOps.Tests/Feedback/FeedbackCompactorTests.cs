using System.Text.Json;
using LlmOps.Feedback;
using LlmOps.Storage;
using LlmOps.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Tests.Feedback;

/// <summary>The compaction timer: past days' parts become one daily file each, statistics unchanged, today left alone, late parts folded in.</summary>
public sealed class FeedbackCompactorTests
{
    [Fact]
    public async Task Compact_PastDays_OneDailyFileEach_SameStatistics_TodayUntouched()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        // Whole UTC days, whatever the hour the test runs at: a past day's noon (its ten minutes never cross midnight) and today's first minutes.
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var past = today.AddDays(-2).AddHours(12);
        string Traces(string prefixId, DateTimeOffset at, int count) => "[" + string.Join(',', Enumerable.Range(0, count).Select(i =>
            JsonSerializer.Serialize(new { id = $"{prefixId}-{i}", feature = "support", timestamp = at.AddMinutes(i).ToString("O"), latencyMs = 100 + i }))) + "]";
        foreach (var batch in new[] { Traces("a", past, 10), Traces("b", past, 10), Traces("a", past, 10), Traces("c", today, 5) })
        {
            await client.FeedbackIngestor.IngestTracesAsync([.. JsonDocument.Parse(batch).RootElement.EnumerateArray().Select(e => e.Clone())]);
        }

        await client.FeedbackIngestor.IngestScoresAsync([JsonDocument.Parse($$"""{ "id": "s", "traceId": "a-1", "name": "thumbs_up", "value": true, "timestamp": "{{past:O}}" }""").RootElement]);
        await client.FeedbackIngestor.IngestScoresAsync([JsonDocument.Parse($$"""{ "id": "s2", "traceId": "a-2", "name": "thumbs_up", "value": false, "timestamp": "{{past:O}}" }""").RootElement]);
        var before = await client.FeedbackAnalytics.StatsAsync("support", now.AddDays(-3));
        var compactor = new FeedbackCompactor(client.Storage, TimeProvider.System, NullLogger<FeedbackCompactor>.Instance);

        Assert.Equal(2, await compactor.CompactAsync()); // the past day's traces and its scores; today's single part stays
        Assert.Equal(0, await compactor.CompactAsync());

        var names = await client.Storage.Container(StorageNames.AnalyticsContainer).GetBlobsAsync().Select(b => b.Name).ToListAsync();
        var pastFolder = $"traces/feature=support/date={FeedbackPartitions.Day(past)}/";
        Assert.StartsWith(pastFolder + FeedbackCompactor.DailyPrefix, Assert.Single(names, n => n.StartsWith(pastFolder, StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Single(names, n => n.StartsWith($"traces/feature=support/date={FeedbackPartitions.Day(now)}/part-", StringComparison.Ordinal));
        var after = await client.FeedbackAnalytics.StatsAsync("support", now.AddDays(-3));
        Assert.Equal(JsonSerializer.Serialize(before.Groups), JsonSerializer.Serialize(after.Groups));
        Assert.Equal(25, after.Groups.Single().Requests);
        Assert.Equal(3, after.Files); // the cache read the two daily files and today's part, not the parts compacted away

        // A late part for the compacted day is folded in by the next run.
        await client.FeedbackIngestor.IngestTracesAsync([.. JsonDocument.Parse(Traces("late", past, 3)).RootElement.EnumerateArray().Select(e => e.Clone())]);
        Assert.Equal(1, await compactor.CompactAsync());
        Assert.Equal(28, (await client.FeedbackAnalytics.StatsAsync("support", now.AddDays(-3))).Groups.Single().Requests);
    }
}
