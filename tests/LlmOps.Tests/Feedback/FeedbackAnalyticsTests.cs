using System.Text.Json;
using LlmOps.Feedback;
using LlmOps.Tests.Infrastructure;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// Feedback statistics with DuckDB over the analytics Parquet on Azurite, against the same figures computed in memory
/// from the generated traces: per prompt version, with duplicates written twice to Parquet counted once, scores that
/// arrived before their traces joined, and the CLI's stats, query and traces show.
/// </summary>
public sealed class FeedbackAnalyticsTests
{
    [Fact]
    public async Task Stats_ByPrompt_MatchInMemoryFigures_DuplicatesCountedOnce()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.ProvisionAsync();
        await client.Lifecycles.PublishAsync(new LifecycleBuilder("support").Source("tickets", idField: "id").Build(), "support.yaml", CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var random = new Random(5);
        var traces = Enumerable.Range(0, 120).Select(i => new
        {
            Id = $"t-{i:000}",
            Prompt = i % 3 == 0 ? "prompt:answer/2" : "prompt:answer/1",
            Latency = Math.Round(100 + (random.NextDouble() * 900), 3),
            Cost = Math.Round(random.NextDouble() / 1000, 9),
            Error = i % 17 == 0,
            Time = now.AddHours(-(i % 30)),
        }).ToList();
        string TraceJson(int from, int to) => "[" + string.Join(',', traces.Skip(from).Take(to - from).Select(t => JsonSerializer.Serialize(new
        {
            id = t.Id, feature = "support", promptVersion = t.Prompt, latencyMs = t.Latency, costUsd = t.Cost, status = t.Error ? "error" : "ok",
            inputTokens = 10, outputTokens = 5, timestamp = t.Time.ToString("O"), output = t.Id == "t-005" ? "mail me at a.b@example.com" : "fine",
        }))) + "]";
        // Thumbs on every other trace (up when i % 4 == 0), a correction on every fifth, a numeric rating on every odd one;
        // half of them posted before their traces.
        var scores = traces.Select((t, i) => (t, i)).SelectMany(x => new List<object?>
        {
            x.i % 2 == 0 ? new { id = "th", traceId = x.t.Id, name = "thumbs_up", value = x.i % 4 == 0 } : null,
            x.i % 5 == 0 ? new { id = "co", traceId = x.t.Id, name = "correction", value = "billing", correction = "better answer" } : null,
            x.i % 2 == 1 ? (object)new { id = "ra", traceId = x.t.Id, name = "rating", value = (double)(x.i % 5) } : null,
        }).Where(s => s is not null).Select(s => JsonDocument.Parse(JsonSerializer.Serialize(s)).RootElement).ToList();

        await client.FeedbackIngestor.IngestScoresAsync(scores[..(scores.Count / 2)]);
        await client.FeedbackIngestor.IngestTracesAsync(Items(TraceJson(0, 120)));
        await client.FeedbackIngestor.IngestTracesAsync(Items(TraceJson(0, 60))); // a client retry: duplicates in Parquet
        await client.FeedbackIngestor.IngestScoresAsync(scores[(scores.Count / 2)..]);

        var stats = await client.FeedbackAnalytics.StatsAsync("support", now.AddDays(-3), "prompt");

        Assert.Equal(["prompt:answer/1", "prompt:answer/2"], stats.Groups.Select(g => g.Group));
        foreach (var group in stats.Groups)
        {
            var mine = traces.Select((t, i) => (t, i)).Where(x => x.t.Prompt == group.Group).ToList();
            Assert.Equal(mine.Count, group.Requests);
            var thumbs = mine.Where(x => x.i % 2 == 0).ToList();
            Assert.Equal(thumbs.Count, group.ThumbsRated);
            Assert.Equal((double)thumbs.Count(x => x.i % 4 == 0) / thumbs.Count, group.ThumbsUpRate!.Value, 10);
            Assert.Equal((double)mine.Count(x => x.i % 5 == 0) / mine.Count, group.CorrectionRate, 10);
            Assert.Equal(mine.Where(x => x.i % 2 == 1).Average(x => (double)(x.i % 5)), group.NumericScores["rating"], 10);
            Assert.Equal((double)mine.Count(x => x.t.Error) / mine.Count, group.ErrorRate, 10);
            Assert.Equal(Percentile(mine.Select(x => x.t.Latency), 0.95), group.LatencyP95!.Value, 6);
            Assert.Equal(Percentile(mine.Select(x => x.t.Latency), 0.5), group.LatencyP50!.Value, 6);
            Assert.Equal(mine.Average(x => x.t.Cost), group.CostPerRequest!.Value, 12);
            Assert.Equal(mine.Count * 10, group.InputTokens);
            Assert.Equal(mine.Any(x => x.t.Id == "t-005") ? 1.0 / mine.Count : 0, group.SafetyFlagRate, 10);
        }

        Assert.Equal(0, stats.Groups.Sum(g => g.EscalationRate));
        Assert.True(stats.Files >= 4 && stats.Bytes > 0);

        // The CLI: stats as JSON, SQL over the views, and one trace with its scores.
        string[] common = ["--connection-string", azurite.ConnectionString, "--storage-prefix", prefix];
        var (exit, json) = await CliRun.RunAsync(["feedback", "stats", "support", "--by", "day", "--since", "3d", "--format", "json", .. common]);
        Assert.True(exit == 0, json);
        Assert.Equal(120, JsonDocument.Parse(json).RootElement.GetProperty("groups").EnumerateArray().Sum(g => g.GetProperty("requests").GetInt64()));
        var (queried, rows) = await CliRun.RunAsync(["feedback", "query", "support", "SELECT count(*) AS n, count(DISTINCT Id) AS ids FROM traces", .. common]);
        Assert.True(queried == 0, rows);
        Assert.Contains("\"n\":120,\"ids\":120", rows, StringComparison.Ordinal);
        Assert.Equal(2, (await CliRun.RunAsync(["feedback", "query", "support", "SELECT nonsense FROM traces", .. common])).Exit);
        var (shown, trace) = await CliRun.RunAsync(["traces", "show", "t-000", .. common]);
        Assert.True(shown == 0, trace);
        Assert.Contains("Score thumbs_up", trace, StringComparison.Ordinal);
        Assert.Contains("correction: better answer", trace, StringComparison.Ordinal);
        Assert.Equal(4, (await CliRun.RunAsync(["traces", "show", "nobody", .. common])).Exit);
    }

    private static List<JsonElement> Items(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];

    /// <summary>Linear interpolation between order statistics, as DuckDB's quantile_cont and numpy's default.</summary>
    private static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
