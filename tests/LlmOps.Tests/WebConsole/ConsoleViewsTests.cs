using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tracking;
using LlmOps.WebConsole;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmOps.Tests.WebConsole;

/// <summary>The console's views over real stores: a diff names the fields that changed, search finds lineage nodes, runs filter and count.</summary>
public sealed class ConsoleViewsTests
{
    [Fact]
    public async Task Views_OfTwoDropsAndSomeRuns_DiffFieldsSearchHistogramAndRunCounts()
    {
        var azurite = await SharedAzurite.GetAsync();
        var prefix = TestNames.Prefix();
        await SharedAzurite.AccountAsync(prefix);
        using var client = new LlmOpsClient(azurite.ConnectionString, prefix);
        await client.Lifecycles.PublishAsync(await File.ReadAllTextAsync(RepositoryRoot.Combine("samples", "support-answers.lifecycle.yaml")), "support-answers.lifecycle.yaml", CancellationToken.None);
        var first = await client.IngestFileAsync(RepositoryRoot.Combine("samples", "support-tickets.jsonl"), "tickets");

        // The same drop edited: T-1002's subject changed, T-1003 gone, T-2000 new.
        var lines = new List<string>();
        foreach (var line in await File.ReadAllLinesAsync(RepositoryRoot.Combine("samples", "support-tickets.jsonl")))
        {
            var ticket = line.StartsWith('{') && line.EndsWith('}') ? JsonNode.Parse(line) : null;
            var id = ticket?["id"]?.GetValue<string>();
            if (id == "T-1003")
            {
                continue;
            }

            if (id == "T-1002")
            {
                ticket!["subject"] = "Invoice shows the wrong VAT rate";
            }

            lines.Add(ticket?.ToJsonString() ?? line);
        }

        lines.Add("""{"id":"T-2000","created":"2026-11-20T10:00:00Z","channel":"chat","subject":"Dark mode","body":"Is a dark mode planned for the reports page?"}""");
        var edited = Path.Combine(Path.GetTempPath(), $"llmops-views-{Guid.NewGuid():N}", "support-tickets.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(edited)!);
        await File.WriteAllLinesAsync(edited, lines);
        var second = await client.IngestFileAsync(edited, "tickets");

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmOps:Storage:ConnectionString"] = azurite.ConnectionString,
            ["LlmOps:Storage:Prefix"] = prefix,
        }).Build();
        await using var services = new ServiceCollection().AddSingleton(typeof(ILogger<>), typeof(NullLogger<>)).AddLlmOps(configuration).BuildServiceProvider();
        var views = services.GetRequiredService<ConsoleViews>();

        var diff = Json(await views.DiffAsync(first.Version!.Id, second.Version!.Id, CancellationToken.None));
        Assert.Equal(["T-2000"], diff.GetProperty("added").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["T-1003"], diff.GetProperty("removed").EnumerateArray().Select(e => e.GetString()));
        var changed = Assert.Single(diff.GetProperty("changed").EnumerateArray());
        Assert.Equal("T-1002", changed.GetProperty("id").GetString());
        Assert.Equal(["subject"], changed.GetProperty("fields").EnumerateArray().Select(e => e.GetString()));

        var found = Json(await views.SearchLineageAsync("DATASET:tickets@", 10, CancellationToken.None)).GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
        Assert.Contains(first.Version.Id, found);
        Assert.Contains(second.Version.Id, found);

        var version = Json(await views.DatasetVersionAsync(second.Version.Id, CancellationToken.None));
        Assert.True(version.GetProperty("verified").GetBoolean());
        Assert.Equal(second.Version.Records, version.GetProperty("tokenHistogram").EnumerateArray().Sum(b => b.GetProperty("records").GetInt64()));
        Assert.Equal(second.Version.Quality.Quarantined, version.GetProperty("quarantined").GetProperty("rows").GetArrayLength());
        Assert.All(version.GetProperty("quarantined").GetProperty("rows").EnumerateArray(), r => Assert.DoesNotContain("@example.com", r.GetRawText(), StringComparison.Ordinal));

        foreach (var name in new[] { "alpha", "beta", "gamma" })
        {
            await client.Tracker.StartRunAsync("console-views", new RunStart { Name = name });
        }

        var newest = Json(await views.RunsAsync("console-views", null, null, 2, CancellationToken.None));
        Assert.Equal(3, newest.GetProperty("matching").GetInt32());
        Assert.Equal(["gamma", "beta"], newest.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        var filtered = Json(await views.RunsAsync("console-views", "ET", "running", 200, CancellationToken.None));
        Assert.Equal(1, filtered.GetProperty("matching").GetInt32());
        Assert.Equal("beta", Assert.Single(filtered.GetProperty("runs").EnumerateArray()).GetProperty("name").GetString());

        // The API: a decision only as JSON (a form posted from another site cannot carry the sign-in cookie's weight),
        // an unknown view named as such.
        var api = services.GetRequiredService<ConsoleApi>();
        var decision = """{"project":"ticket-intent","item":"T-1001","field":"intent","values":["account"],"reason":"r"}"""u8.ToArray();
        var asForm = new LlmOps.Triggers.HttpTriggerRequest("POST", "/api/console-api/labeling/adjudicate", new Dictionary<string, string> { ["view"] = "labeling/adjudicate" }, new Dictionary<string, string>(), decision, "text/plain");
        Assert.Equal(LlmOps.Errors.ErrorCode.Invalid, (await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => api.HandleAsync(asForm, CancellationToken.None))).Code);
        var unknown = new LlmOps.Triggers.HttpTriggerRequest("GET", "/api/console-api/nothing", new Dictionary<string, string> { ["view"] = "nothing" }, new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty);
        Assert.Equal(LlmOps.Errors.ErrorCode.NotFound, (await Assert.ThrowsAsync<LlmOps.Errors.LlmOpsException>(() => api.HandleAsync(unknown, CancellationToken.None))).Code);
    }

    private static JsonElement Json(object view) => JsonSerializer.SerializeToElement(view, ConsoleViews.Json);
}
