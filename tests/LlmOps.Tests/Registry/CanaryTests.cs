using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Errors;
using LlmOps.Evaluation;
using LlmOps.LocalHost;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Triggers;
using DeploymentStatus = LlmOps.Registry.Deployment;

namespace LlmOps.Tests.Registry;

/// <summary>
/// Canary rollouts: a version deployed with a traffic share beside the stable deployment, traces carrying their
/// deployment id, and the canary check promoting or rolling it back on the lifecycle's <c>gates.canary</c>.
/// </summary>
public sealed class CanaryTests : IAsyncLifetime, IDisposable
{
    private const string Feature = "support";
    private const string Prompt = "prompt:canary-answer";
    private readonly string _prefix = TestNames.Prefix();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("llmops-canary-");
    private string _connection = "";
    private LlmOpsClient _client = null!;

    public async Task InitializeAsync()
    {
        var azurite = await SharedAzurite.GetAsync();
        _connection = azurite.ConnectionString;
        _client = new LlmOpsClient(_connection, _prefix);
        await _client.ProvisionAsync();
        await _client.Lifecycles.PublishAsync(
            new LifecycleBuilder(Feature).Source("tickets", idField: "id").Section("""
                gates:
                  canary:
                    - { metric: thumbs_up_rate, min_absolute_change: -0.05, min_requests: 40 }
                    - { metric: error_rate, min_absolute_change: 0, min_requests: 40 }
                    - { metric: latency_p95, min_relative_change: -0.25, min_requests: 40 }
                notify:
                  channels:
                    team: { webhook: "%LlmOps:TestHooks:Team%", format: teams }
                  events:
                    canary_rolled_back: [team]
                    canary_promoted: [team]
                """).Build(),
            "support.yaml",
            CancellationToken.None);
        var template = Path.Combine(_folder.FullName, "answer.txt");
        await File.WriteAllTextAsync(template, "Answer {{question}} from {{context}}.");
        for (var i = 0; i < 2; i++)
        {
            var (exit, output) = await Cli("registry", "register", Prompt, "--template", template, "--feature", Feature);
            Assert.True(exit == 0, output);
        }
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task WorseCanary_RolledBackByTheTimerThroughTheLocalHost_StableServesAllAndTheDecisionIsInLineage()
    {
        var (exit, output) = await Cli("registry", "deploy", Prompt, "1", "--env", "prod");
        Assert.True(exit == 0, output);
        (exit, output) = await Cli("registry", "deploy", Prompt, "2", "--env", "prod", "--canary", "10");
        Assert.True(exit == 0, output);
        Assert.Contains("a canary taking 10%", output, StringComparison.Ordinal);
        var split = await _client.Registry.GetTrafficAsync(Prompt, "prod");
        var (stable, canary) = (split.Stable!, split.Canary!);
        Assert.Equal((1, 2, DeploymentStatus.Canary, stable.Id), (stable.Version, canary.Version, canary.Status, canary.Stable));

        // Users are routed by key: about a tenth to the canary, each user always to the same deployment.
        var routed = Enumerable.Range(0, 2000).Select(u => split.Route($"user-{u}")!.Id).ToList();
        Assert.InRange(routed.Count(id => id == canary.Id), 140, 260);
        Assert.Equal(routed[17], split.Route("user-17")!.Id);

        // A second canary, or a full deployment, while this one runs is refused.
        var conflict = await Assert.ThrowsAsync<LlmOpsException>(() => _client.Registry.DeployAsync(Prompt, 1, "prod", 20, why: "ci"));
        Assert.Equal(ErrorCode.Conflict, conflict.Code);

        // The host serves /api/traces and /api/scores and runs the canary timer every second. Production: the stable
        // version liked 90% of the time, the canary 50%, and slower. Thumbs go first, so every check sees whole traces.
        await using var host = await TestHosts.StartAsync(
            new FunctionCatalog(TriggerCatalog.All.Where(f => f.Name is TriggerCatalog.PostTraces or TriggerCatalog.PostScores or TriggerCatalog.CheckCanaries).ToList()),
            configuration: new Dictionary<string, string?> { [TriggerCatalog.CanaryCheckScheduleSetting] = "* * * * * *" },
            prefix: _prefix);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var key = Uri.EscapeDataString((await host.GetKeysAsync()).FunctionKey);
        var traces = Production(stable.Id, 300, up: 0.9, latency: 400).Concat(Production(canary.Id, 60, up: 0.5, latency: 700)).ToList();
        await PostAsync(http, key, "scores", traces.Select(t => (object)new { id = "thumbs", traceId = t.Id, name = "thumbs_up", value = t.Up }));
        await PostAsync(http, key, "traces", traces.Select(t => (object)new { id = t.Id, feature = Feature, deployment = t.Deployment, promptVersion = t.Deployment == canary.Id ? Prompt + "/2" : Prompt + "/1", output = "an answer", latencyMs = t.Latency }));

        var decided = await Eventually.UntilAsync(
            async () => await _client.Registry.ListDeploymentsAsync(Prompt).FirstAsync(d => d.Id == canary.Id),
            d => d.Status != DeploymentStatus.Canary,
            "the canary timer to decide",
            TimeSpan.FromMinutes(1));

        Assert.Equal(DeploymentStatus.RolledBack, decided.Status);
        var after = await _client.Registry.GetTrafficAsync(Prompt, "prod");
        Assert.Null(after.Canary);
        Assert.Equal(stable.Id, after.Stable!.Id);
        Assert.Equal(stable.Id, after.Route("user-17")!.Id);

        var report = (await _client.Canaries.GetReportAsync(decided.Decision!))!;
        Assert.Equal((CanaryReport.RollBack, 60L, 300L), (report.Decision, report.CanaryRequests, report.StableRequests));
        var notified = Assert.Single(await _client.Notifications.ListAsync());
        Assert.Equal((report.Id, LlmOps.Lifecycle.NotificationKinds.CanaryRolledBack, "team"), (notified.EventId, notified.Kind, notified.Channel));
        Assert.Contains("thumbs_up_rate", notified.Text, StringComparison.Ordinal);
        var thumbs = report.Rows.Single(r => r.Metric == "thumbs_up_rate");
        Assert.False(thumbs.Passed);
        Assert.True(thumbs.Comparison!.High < -0.05, thumbs.Failure);
        Assert.Equal(0.5, thumbs.Candidate!.Value, 2);
        Assert.False(report.Rows.Single(r => r.Metric == "latency_p95").Passed);
        Assert.True(report.Rows.Single(r => r.Metric == "error_rate").Passed);

        // Evidence in lineage: both deployments -> the decision -> the canary it rolled back; readable with the CLI. The
        // rollback edge is recorded after the deployment's status flips (the flip decides which check wins), so wait for it.
        var graph = await Eventually.UntilAsync(
            () => _client.Lineage.QueryAsync(report.Id, LlmOps.Lineage.LineageDirection.Both, 1, CancellationToken.None),
            g => g.Edges.Any(e => e.From == report.Id && e.Relation == LlmOps.Lineage.LineageRelation.RolledBack),
            "the rollback in lineage");
        Assert.Contains(graph.Edges, e => e.From == canary.Id && e.To == report.Id && e.Relation == LlmOps.Lineage.LineageRelation.Decided);
        Assert.Contains(graph.Edges, e => e.From == stable.Id && e.To == report.Id);
        Assert.Contains(graph.Edges, e => e.From == report.Id && e.To == canary.Id && e.Relation == LlmOps.Lineage.LineageRelation.RolledBack);
        (exit, output) = await Cli("lineage", report.Id);
        Assert.True(exit == 0, output);
        Assert.Contains("rolled_back", output, StringComparison.Ordinal);

        // Once decided, the check does nothing more, and a new canary may start.
        Assert.Null(await _client.Canaries.CheckAsync(Prompt, "prod"));
        Assert.Equal(DeploymentStatus.Canary, (await _client.Registry.DeployAsync(Prompt, 2, "prod", 5, why: "ci")).Status);
    }

    [Fact]
    public async Task CanaryAsGoodAsStable_WaitsForTraffic_ThenPromoted_AndServesAll()
    {
        var stable = await _client.Registry.DeployAsync(Prompt, 1, "prod", why: "ci");
        var canary = await _client.Registry.DeployAsync(Prompt, 2, "prod", 25, why: "ci");

        // 20 canary requests: short of min_requests (40), so the check waits and changes nothing.
        await IngestAsync(Production(stable.Id, 200, up: 0.8, latency: 400).Concat(Production(canary.Id, 20, up: 0.8, latency: 400)));
        var (exit, output) = await Cli("registry", "canary", Prompt, "--env", "prod");
        Assert.True(exit == 0, output);
        Assert.Contains("waiting", output, StringComparison.Ordinal);
        Assert.Contains("thumbs_up_rate: 20 canary and 200 stable observation(s), 40 needed on each side", output, StringComparison.Ordinal);
        Assert.Equal(DeploymentStatus.Canary, (await _client.Registry.GetTrafficAsync(Prompt, "prod")).Canary?.Status);

        await IngestAsync(Production(canary.Id, 80, up: 0.8, latency: 400, first: 20));
        var dryRun = await _client.Canaries.CheckAsync(Prompt, "prod", act: false);
        Assert.Equal(CanaryReport.Promote, dryRun!.Decision);
        Assert.Equal(DeploymentStatus.Canary, (await _client.Registry.GetTrafficAsync(Prompt, "prod")).Canary?.Status);

        (exit, output) = await Cli("registry", "canary", Prompt, "--env", "prod", "--format", "markdown");
        Assert.True(exit == 0, output);
        Assert.Contains("### LlmOps canary: ✅ promoted", output, StringComparison.Ordinal);
        var after = await _client.Registry.GetTrafficAsync(Prompt, "prod");
        Assert.Null(after.Canary);
        Assert.Equal((canary.Id, DeploymentStatus.Promoted), (after.Stable!.Id, after.Stable.Status));
        Assert.Equal(canary.Id, after.Route("anyone")!.Id);
    }

    /// <summary>
    /// GET /api/prompts/{name}/resolve: the same unit always gets the same version, the canary's share of 10,000 units
    /// falls in the binomial interval of its percent, a client routing by the bucket of the split (asked without a unit)
    /// agrees with the server for every unit, and a poll with the ETag gets 304 until the split changes; an environment
    /// without a deployment is a 404.
    /// </summary>
    [Fact]
    public async Task Resolve_SameUnitSameVersion_CanaryShareInItsInterval_PollsGet304UntilTheSplitChanges()
    {
        var stable = await _client.Registry.DeployAsync(Prompt, 1, "prod", why: "ci");
        var canary = await _client.Registry.DeployAsync(Prompt, 2, "prod", 20, why: "ci");
        var resolver = new PromptResolveEndpoint(_client.Registry, _client.Governance, _client.Lifecycles);

        var units = Enumerable.Range(0, 10_000).Select(i => $"unit-{i}").ToList();
        var first = new PromptResolution[units.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, units.Count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            first[i] = await resolver.ResolveAsync(Prompt, units[i], "prod", cancellationToken: ct));
        var canaries = first.Count(r => r.Deployment == canary.Id);
        // 20% of 10,000: 2,000 with a standard deviation of 40; the 99.9% interval is 3.29 deviations either side.
        Assert.InRange(canaries, 2000 - 132, 2000 + 132);
        Assert.All(first, r => Assert.Equal(r.Deployment == canary.Id ? (2, "canary") : (1, "stable"), (r.Version, r.Role)));
        foreach (var i in new[] { 0, 1, 2, 4999, 9999 })
        {
            var again = await resolver.ResolveAsync(Prompt, units[i], "prod");
            Assert.Equal((first[i].PromptVersion, first[i].Deployment), (again.PromptVersion, again.Deployment));
        }

        // Without a unit: the stable deployment with the canary beside it, and routing by the bucket gives what the server routes.
        var split = await resolver.ResolveAsync(Prompt, null, "prod");
        Assert.Equal((stable.Id, "stable", canary.Id, 20), (split.Deployment, split.Role, split.Canary?.Deployment, split.CanaryPercent));
        Assert.All(first.Zip(units), p => Assert.Equal(p.First.Deployment, TrafficSplit.Bucket(p.Second) < split.CanaryPercent ? split.Canary!.Deployment : split.Deployment));

        // Over HTTP: the template and ids to report with, an ETag, and 304 for a poll that has it.
        await using var host = await TestHosts.StartAsync(new FunctionCatalog([.. TriggerCatalog.All.Where(f => f.Name == TriggerCatalog.ResolvePrompt)]), prefix: _prefix);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        http.DefaultRequestHeaders.Add("x-functions-key", (await host.GetKeysAsync()).FunctionKey);
        var canaryUnit = units[Array.FindIndex(first, r => r.Deployment == canary.Id)];
        using var answer = await http.GetAsync($"api/prompts/canary-answer/resolve?unit={canaryUnit}&env=prod");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var resolved = (await answer.Content.ReadFromJsonAsync<PromptResolution>())!;
        Assert.Equal(("prompt:canary-answer/2", canary.Id, "Answer {{question}} from {{context}}."), (resolved.PromptVersion, resolved.Deployment, resolved.Template));
        Assert.Equal(["context", "question"], resolved.Variables.Order(StringComparer.Ordinal));
        var etag = answer.Headers.ETag!;
        using var poll = new HttpRequestMessage(HttpMethod.Get, $"api/prompts/canary-answer/resolve?unit={canaryUnit}&env=prod") { Headers = { IfNoneMatch = { etag } } };
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(poll)).StatusCode);

        // The canary rolled back: the same poll now gets the stable version.
        await _client.Registry.DecideCanaryAsync(canary, promote: false, "ci: rolled back");
        using var repoll = new HttpRequestMessage(HttpMethod.Get, $"api/prompts/canary-answer/resolve?unit={canaryUnit}&env=prod") { Headers = { IfNoneMatch = { etag } } };
        using var changed = await http.SendAsync(repoll);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var now = (await changed.Content.ReadFromJsonAsync<PromptResolution>())!;
        Assert.Equal((stable.Id, 1, "stable"), (now.Deployment, now.Version, now.Role));
        Assert.Equal(ErrorCode.NotFound, (await Assert.ThrowsAsync<LlmOpsException>(() => resolver.HandleAsync(
            new HttpTriggerRequest("GET", "/api/prompts/canary-answer/resolve", new Dictionary<string, string> { ["name"] = "canary-answer" }, new Dictionary<string, string> { ["env"] = "nowhere" }, ReadOnlyMemory<byte>.Empty), CancellationToken.None))).Code);
    }

    [Fact]
    public async Task Canary_NeedsAStableDeploymentAndAShareOf1To99()
    {
        var invalid = await Assert.ThrowsAsync<LlmOpsException>(() => _client.Registry.DeployAsync(Prompt, 2, "staging", 10, why: "ci"));
        Assert.Equal(ErrorCode.Invalid, invalid.Code);
        Assert.Contains("no stable deployment in staging", invalid.Message, StringComparison.Ordinal);
        await _client.Registry.DeployAsync(Prompt, 1, "staging", why: "ci");
        Assert.Equal(ErrorCode.Invalid, (await Assert.ThrowsAsync<LlmOpsException>(() => _client.Registry.DeployAsync(Prompt, 2, "staging", 100, why: "ci"))).Code);
        // A shadow is another existing version, on 1 to 100 percent of the calls.
        foreach (var shadow in new[] { (1, 10), (2, 0), (2, 101), (9, 10) })
        {
            Assert.Equal(ErrorCode.Invalid, (await Assert.ThrowsAsync<LlmOpsException>(() => _client.Registry.DeployAsync(Prompt, 1, "staging", null, shadow, "ci"))).Code);
        }

        var shadowed = await _client.Registry.DeployAsync(Prompt, 1, "staging", null, (2, 30), "ci");
        Assert.Equal(((int?)2, (int?)30), ((await _client.Registry.GetTrafficAsync(Prompt, "staging")).Stable!.ShadowVersion, shadowed.ShadowPercent));
        var (exit, output) = await Cli("registry", "canary", Prompt, "--env", "staging");
        Assert.NotEqual(0, exit);
        Assert.Contains("No canary", output, StringComparison.Ordinal);
    }

    [Fact]
    public void IndependentComparison_PointDifferenceInsideItsInterval_SameSeedSameInterval_QuantileAsNumpy()
    {
        double[] canary = [.. Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? 1.0 : 0.0)];
        double[] stable = [.. Enumerable.Range(0, 500).Select(i => i % 10 < 8 ? 1.0 : 0.0)];
        var first = PairedComparison.CompareIndependent("thumbs_up_rate", canary, stable, v => v.Average(), 2000, 7);
        var second = PairedComparison.CompareIndependent("thumbs_up_rate", canary, stable, v => v.Average(), 2000, 7);
        Assert.Equal(-0.3, first.Difference, 10);
        Assert.Equal((first.Low, first.High), (second.Low, second.High));
        Assert.True(first.Low < -0.3 && first.High > -0.3 && first.High < 0, $"{first.Low} {first.High}");
        // Standard error of the difference sqrt(.25/200 + .16/500) = 0.0396: the 95% interval is about +-0.078.
        Assert.InRange(first.High - first.Low, 0.13, 0.18);
        // numpy.percentile([1..10], 95) = 9.55
        Assert.Equal(9.55, PairedComparison.Quantile([.. Enumerable.Range(1, 10).Select(i => (double)i)], 0.95), 10);
    }

    private static IEnumerable<(string Id, string Deployment, bool Up, int Latency)> Production(string deployment, int count, double up, int latency, int first = 0) =>
        Enumerable.Range(first, count).Select(i => (
            $"{deployment.Replace(':', '-').Replace('/', '-')}-{i:000}",
            deployment,
            i % 10 < (int)Math.Round(up * 10),
            latency + (i * 37 % 100)));

    private async Task IngestAsync(IEnumerable<(string Id, string Deployment, bool Up, int Latency)> production)
    {
        var list = production.ToList();
        await _client.FeedbackIngestor.IngestScoresAsync([.. list.Select(t => JsonSerializer.SerializeToElement(new { id = "thumbs", traceId = t.Id, name = "thumbs_up", value = t.Up }))]);
        var results = await _client.FeedbackIngestor.IngestTracesAsync([.. list.Select(t => JsonSerializer.SerializeToElement(new { id = t.Id, feature = Feature, deployment = t.Deployment, output = "an answer", latencyMs = t.Latency }))]);
        Assert.All(results, r => Assert.Equal(LlmOps.Feedback.FeedbackItemResult.Accepted, r.Status));
    }

    private static async Task PostAsync(HttpClient http, string key, string route, IEnumerable<object> items)
    {
        using var response = await http.PostAsJsonAsync(new Uri($"/api/{route}?code={key}", UriKind.Relative), items.ToList(), JsonSerializerOptions.Web);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private Task<(int Exit, string Output)> Cli(params string[] args) =>
        CliRun.RunAsync([.. args, "--connection-string", _connection, "--storage-prefix", _prefix]);
}
