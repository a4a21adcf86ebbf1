using System.Net;
using System.Text;
using System.Text.Json;
using LlmOps.Feedback;
using LlmOps.LocalHost;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;

namespace LlmOps.Tests.Feedback;

/// <summary>
/// <c>POST /api/traces</c> and <c>/api/scores</c> through the local host on Azurite: per-item results with partial
/// success, PII redacted and flagged, cost from the lifecycle's prices, ids stored once under concurrent duplicate
/// posts, a score kept before its trace and joined after, and the limits (413, 1,000 items, the key).
/// </summary>
public sealed class FeedbackHttpTests : IAsyncLifetime
{
    private const string Feature = "support";
    private readonly string _prefix = TestNames.Prefix();
    private LocalFunctionHost _host = null!;
    private HttpClient _http = null!;
    private string _key = "";
    private LlmOpsClient _client = null!;

    public async Task InitializeAsync()
    {
        var azurite = await SharedAzurite.GetAsync();
        _client = new LlmOpsClient(azurite.ConnectionString, _prefix);
        await _client.ProvisionAsync();
        await _client.Lifecycles.PublishAsync(
            new LifecycleBuilder(Feature).Source("tickets", idField: "id").Section("""
                costs:
                  gpt-4o-mini: { input_per_1k: 0.001, output_per_1k: 0.002, cached_input_per_1k: 0.0005 }
                """).Build(),
            "support.yaml",
            CancellationToken.None);
        _host = await TestHosts.StartAsync(new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.PostTraces or TriggerCatalog.PostScores).ToList()), prefix: _prefix);
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
        _key = Uri.EscapeDataString((await _host.GetKeysAsync()).FunctionKey);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        _client.Dispose();
    }

    [Fact]
    public async Task PostTraces_GoodAndBadItems_GoodOnesKeptBadOnesListedWithReasons()
    {
        var id = "tr-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body) = await PostAsync("traces", $$"""
            [
              { "id": "{{id}}", "timestamp": "2026-11-20T10:00:00Z", "feature": "support", "promptVersion": "prompt:answer/3",
                "deployment": "deploy:prod/01J", "model": "gpt-4o-mini", "input": "My mail is jane.doe@example.com",
                "output": "We wrote to jane.doe@example.com about it.", "retrieved": [{ "chunkId": "tickets:T-1#0000", "score": 0.8 }],
                "latencyMs": 420, "usage": { "input": 1000, "output": 200, "cachedInput": 400, "reasoning": 50 }, "userId": "u-17", "sessionId": "s-9" },
              { "id": "no-feature", "output": "x" },
              { "id": "bad-prompt", "feature": "support", "promptVersion": "answer v3" },
              { "id": "unknown-feature", "feature": "nobody" },
              { "id": "bad-latency", "feature": "support", "latency_ms": -1 }
            ]
            """);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal((1, 0, 4), (body.GetProperty("accepted").GetInt32(), body.GetProperty("duplicates").GetInt32(), body.GetProperty("rejected").GetInt32()));
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("accepted", items[0].GetProperty("status").GetString());
        Assert.Contains("no \"feature\"", items[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("promptVersion", items[2].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("'nobody' has no published lifecycle", items[3].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"latency_ms\" must not be negative".Replace("latency_ms", "latencyMs", StringComparison.Ordinal), items[4].GetProperty("reason").GetString(), StringComparison.Ordinal);

        var (trace, _) = await _client.Feedback.GetAsync(id);
        Assert.NotNull(trace);
        Assert.Equal("My mail is [EMAIL]", trace.Input);
        Assert.Equal("We wrote to [EMAIL] about it.", trace.Output);
        Assert.Equal(["pii_leak:email"], trace.SafetyFlags);
        // (600 * 0.001 + 400 * 0.0005 + 200 * 0.002) / 1000 = 0.0012
        Assert.Equal(0.0012, trace.CostUsd!.Value, 10);
        Assert.Equal((await _client.Subjects.KeyAsync()).Hash("user", "u-17"), trace.UserHash);
        // Keyed: the plain SHA-256 a guesser would compute from a known id does not match.
        Assert.NotEqual(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("user:u-17")))[..16], trace.UserHash);
        Assert.DoesNotContain("u-17", JsonSerializer.Serialize(trace), StringComparison.Ordinal);
        Assert.Equal("tickets:T-1#0000", Assert.Single(trace.Retrieved).ChunkId);
    }

    [Fact]
    public async Task PostTraces_SameIdConcurrently_AcceptedOnceStoredOnce()
    {
        var id = "tr-" + Guid.NewGuid().ToString("N")[..8];
        var bodies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PostAsync("traces", $$"""{ "id": "{{id}}", "feature": "support", "output": "answer {{i}}" }""")));

        Assert.All(bodies, b => Assert.Equal(HttpStatusCode.Accepted, b.Status));
        var statuses = bodies.Select(b => b.Body.GetProperty("items")[0].GetProperty("status").GetString()).ToList();
        Assert.Equal(1, statuses.Count(s => s == "accepted"));
        Assert.Equal(7, statuses.Count(s => s == "duplicate"));
        var winner = bodies.Single(b => b.Body.GetProperty("items")[0].GetProperty("status").GetString() == "accepted");
        var (trace, _) = await _client.Feedback.GetAsync(id);
        Assert.Equal("answer " + bodies.ToList().IndexOf(winner), trace!.Output);

        // Within one batch too: the first is kept, the repeat is a duplicate.
        var repeat = "tr-" + Guid.NewGuid().ToString("N")[..8];
        var (_, batch) = await PostAsync("traces", $$"""[{ "id": "{{repeat}}", "feature": "support" }, { "id": "{{repeat}}", "feature": "support" }]""");
        Assert.Equal(["accepted", "duplicate"], batch.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task PostScores_BeforeTheirTrace_KeptAndJoinedWhenItArrives()
    {
        var id = "tr-" + Guid.NewGuid().ToString("N")[..8];
        var (status, scores) = await PostAsync("scores", $$"""
            [
              { "id": "sc-1", "traceId": "{{id}}", "name": "thumbs_up", "value": false, "comment": "wrong, call me on +1 415-555-0132", "correction": "The limit is 100 requests per second." },
              { "id": "sc-2", "traceId": "{{id}}", "name": "helpfulness", "value": 2.5, "source": "llm_judge" },
              { "id": "sc-3", "traceId": "{{id}}", "name": "topic", "value": "billing" },
              { "id": "sc-4", "traceId": "{{id}}", "name": "thumbs_up", "dataType": "BOOLEAN", "value": "yes" },
              { "id": "sc-5", "traceId": "{{id}}", "name": "Bad Name", "value": 1 }
            ]
            """);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(3, scores.GetProperty("accepted").GetInt32());
        Assert.Contains("true, false, 1 or 0", scores.GetProperty("items")[3].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("lower-case", scores.GetProperty("items")[4].GetProperty("reason").GetString(), StringComparison.Ordinal);
        var (none, early) = await _client.Feedback.GetAsync(id);
        Assert.Null(none);
        Assert.Equal(3, early.Count);

        await PostAsync("traces", $$"""{ "id": "{{id}}", "feature": "support", "output": "The limit is 50." }""");
        var (trace, joined) = await _client.Feedback.GetAsync(id);
        Assert.NotNull(trace);
        var thumbs = joined.Single(s => s.Name == "thumbs_up");
        Assert.Equal((Score.Boolean, 0.0, Score.Human), (thumbs.DataType, thumbs.Value!.Value, thumbs.Source));
        Assert.Contains("[PHONE]", thumbs.Comment, StringComparison.Ordinal);
        Assert.Equal((Score.Numeric, 2.5, Score.LlmJudge), (joined.Single(s => s.Id == "sc-2").DataType, joined.Single(s => s.Id == "sc-2").Value!.Value, joined.Single(s => s.Id == "sc-2").Source));
        Assert.Equal((Score.Categorical, "billing"), (joined.Single(s => s.Id == "sc-3").DataType, joined.Single(s => s.Id == "sc-3").StringValue));

        var (_, again) = await PostAsync("scores", $$"""{ "id": "sc-1", "traceId": "{{id}}", "name": "thumbs_up", "value": true }""");
        Assert.Equal("duplicate", again.GetProperty("items")[0].GetProperty("status").GetString());
        Assert.Equal(0.0, (await _client.Feedback.GetAsync(id)).Scores.Single(s => s.Id == "sc-1").Value);
    }

    [Fact]
    public async Task Post_Limits_413_TooManyItems_NotJson_AllBad_AndTheKey()
    {
        using (var large = new StringContent("[" + new string(' ', FeedbackEndpoint.MaxBodyBytes) + "]", Encoding.UTF8, "application/json"))
        using (var response = await _http.PostAsync(new Uri($"/api/traces?code={_key}", UriKind.Relative), large))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        var (many, _) = await PostAsync("traces", "[" + string.Join(',', Enumerable.Repeat("{}", FeedbackIngestor.MaxItems + 1)) + "]");
        Assert.Equal(HttpStatusCode.BadRequest, many);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("traces", "{ not json")).Status);
        var (allBad, allBadBody) = await PostAsync("scores", """[{ "id": "x" }]""");
        Assert.Equal(HttpStatusCode.BadRequest, allBad);
        Assert.Equal(1, allBadBody.GetProperty("rejected").GetInt32());
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var unauthorized = await _http.PostAsync(new Uri("/api/traces", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string route, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri($"/api/{route}?code={_key}", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
