using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LlmOps.Lineage;
using LlmOps.LocalHost;
using LlmOps.Registry;
using LlmOps.Tests.Infrastructure;
using LlmOps.Tests.Ingestion;
using LlmOps.Tests.Registry;
using LlmOps.Tracking;
using LlmOps.Triggers;

namespace LlmOps.Tests.EndToEnd;

public sealed class LineageChainTests
{
    private const string Tickets = "{\"id\":\"T-1\",\"body\":\"My card 4111 1111 1111 1111 was charged twice.\"}\n{\"id\":\"T-2\",\"body\":\"Password reset mail never arrives.\"}\n";

    [Fact]
    public async Task DeploymentToSourceBlob_AndBack_OneQueryEachWay()
    {
        var ingestion = await IngestionFixture.CreateAsync();
        var (blobName, etag) = await ingestion.DropAsync("tickets.jsonl", Encoding.UTF8.GetBytes(Tickets));
        var ingested = await ingestion.Ingestor.IngestAsync(ingestion.Source, ingestion.DropContainer, blobName, etag, CancellationToken.None);
        var dataset = ingested.Version!.Id;
        var blob = LineageIds.Blob(ingestion.DropContainer, blobName, etag.ToString());

        using var f = await RegistryFixture.CreateAsync();
        var run = await f.Tracker.StartRunAsync("chain", new RunStart { Inputs = [new RunInput(dataset, RunInput.Training)] });
        await f.Tracker.LogMetricsAsync(run.Id, [new MetricPoint("answer_accuracy", 0.9, 0, DateTimeOffset.UtcNow), new MetricPoint("latency_ms", 700, 0, DateTimeOffset.UtcNow)]);
        await f.Tracker.EndRunAsync(run.Id);
        var version = await f.Registry.RegisterAsync(new RegisterRequest(f.Model, run.Id));
        await f.Registry.PromoteAsync(f.Model, version.Version, lifecycle: LlmOps.Lifecycle.LifecycleParser.Parse(RegistryFixture.GatedLifecycle));
        var deployment = await f.Registry.DeployAsync(f.Model, version.Version, "prod", why: "ci");

        var upstream = await f.Lineage.QueryAsync(deployment.Id, LineageDirection.Upstream, 6, CancellationToken.None);
        string[] chain = [blob, ingested.Version.PreprocessingVersion, dataset, run.Id, version.Id, deployment.Id];
        Assert.Equal(chain.Order(StringComparer.Ordinal), upstream.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));
        Assert.Equal(5, upstream.Distances[blob]);
        Assert.Equal(
            [LineageRelation.Used, LineageRelation.ProducedBy, LineageRelation.Used, LineageRelation.ProducedBy, LineageRelation.DeployedAs],
            chain.Zip(chain.Skip(1)).Select(pair => upstream.Edges.Single(e => e.From == pair.First && e.To == pair.Second).Relation));

        var downstream = await f.Lineage.QueryAsync(blob, LineageDirection.Downstream, 6, CancellationToken.None);
        Assert.Contains(deployment.Id, downstream.Nodes.Select(n => n.Id));
        Assert.Equal(5, downstream.Distances[deployment.Id]);

        // The same walk over HTTP, with the function key.
        var functions = TriggerCatalog.All.Where(d => d.Kind == TriggerKind.Http).ToList();
        await using var host = await TestHosts.StartAsync(new FunctionCatalog(functions));
        using var client = new HttpClient { BaseAddress = host.HttpAddress };
        var key = (await host.GetKeysAsync()).FunctionKey;
        using var graph = await client.GetAsync(new Uri($"/api/lineage/{deployment.Id}?direction=up&depth=6&code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, graph.StatusCode);
        var body = await graph.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(blob, body.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()));

        using var mermaid = await client.GetAsync(new Uri($"/api/lineage/{Uri.EscapeDataString(blob)}?direction=down&format=mermaid&code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Contains("-->|deployed_as|", await mermaid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unknown = await client.GetAsync(new Uri($"/api/lineage/dataset:nothing@000?code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badDepth = await client.GetAsync(new Uri($"/api/lineage/{deployment.Id}?depth=99&code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badDepth.StatusCode);
        using var noKey = await client.GetAsync(new Uri($"/api/lineage/{deployment.Id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);

        using var runs = await client.GetAsync(new Uri($"/api/runs?experiment=chain&code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Contains(run.Id, await runs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var runDetails = await client.GetAsync(new Uri($"/api/runs/{run.Id}?metric=latency_ms&code={Uri.EscapeDataString(key)}", UriKind.Relative));
        var details = await runDetails.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(700, details.GetProperty("history")[0].GetProperty("value").GetDouble());
        Assert.Equal("FINISHED", details.GetProperty("run").GetProperty("info").GetProperty("status").GetString());
        using var noRun = await client.GetAsync(new Uri($"/api/runs/run:01JD0000000000000000000000?code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, noRun.StatusCode);
        Assert.Equal("application/problem+json", noRun.Content.Headers.ContentType?.MediaType);
        var problem = await noRun.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:llmops:error:not-found", problem.GetProperty("type").GetString());
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("run:01JD0000000000000000000000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var badRun = await client.GetAsync(new Uri($"/api/runs/not-a-run?code={Uri.EscapeDataString(key)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badRun.StatusCode);
        Assert.Equal("urn:llmops:error:invalid", (await badRun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Cli_RunsRegistryAndLineage_ExitCodesAndOutput()
    {
        var azurite = await SharedAzurite.GetAsync();
        var connection = azurite.ConnectionString;
        using var f = await RegistryFixture.CreateAsync();
        var experiment = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var good = await f.FinishedRunAsync(new Dictionary<string, double> { ["answer_accuracy"] = 0.9, ["latency_ms"] = 800 }, experiment);
        var weak = await f.FinishedRunAsync(new Dictionary<string, double> { ["answer_accuracy"] = 0.4, ["latency_ms"] = 800 }, experiment);
        await f.Tracker.LogParamAsync(good.Id, "top_k", "5");
        await f.Tracker.LogParamAsync(weak.Id, "top_k", "3");
        var lifecycle = Path.GetTempFileName();
        await File.WriteAllTextAsync(lifecycle, RegistryFixture.GatedLifecycle);

        var (list, listed) = await CliRun.RunAsync("runs", "list", "--experiment", experiment, "--connection-string", connection);
        Assert.Equal(0, list);
        Assert.Contains(good.Id, listed, StringComparison.Ordinal);
        Assert.Contains("2 run(s).", listed, StringComparison.Ordinal);
        var (limited, limitedText) = await CliRun.RunAsync("runs", "list", "--experiment", experiment, "--limit", "1", "--connection-string", connection);
        Assert.Equal(0, limited);
        Assert.Contains(weak.Id, limitedText, StringComparison.Ordinal); // newest first
        Assert.DoesNotContain(good.Id, limitedText, StringComparison.Ordinal);
        Assert.Contains("1 run(s); more exist", limitedText, StringComparison.Ordinal);
        Assert.Equal(2, (await CliRun.RunAsync("runs", "list", "--limit", "-1", "--connection-string", connection)).Exit);
        var (_, shown) = await CliRun.RunAsync("runs", "show", good.Id, "--connection-string", connection);
        Assert.Contains("answer_accuracy", shown, StringComparison.Ordinal);
        var (_, compared) = await CliRun.RunAsync("runs", "compare", good.Id, weak.Id, "--connection-string", connection);
        Assert.Contains("* param top_k", compared, StringComparison.Ordinal);
        Assert.Contains("  metric latency_ms", compared, StringComparison.Ordinal);
        Assert.Equal(4, (await CliRun.RunAsync("runs", "show", "run:01JD0000000000000000000000", "--connection-string", connection)).Exit);
        Assert.Equal(2, (await CliRun.RunAsync("runs", "show", "not-a-run", "--connection-string", connection)).Exit);

        Assert.Equal(0, (await CliRun.RunAsync("registry", "register", f.Model, "--run", weak.Id, "--connection-string", connection)).Exit);
        Assert.Equal(0, (await CliRun.RunAsync("registry", "register", f.Model, "--run", good.Id, "--description", "better", "--tag", "retriever=bm25", "--connection-string", connection)).Exit);
        var (refused, refusal) = await CliRun.RunAsync("registry", "promote", f.Model, "1", "--lifecycle", lifecycle, "--connection-string", connection);
        Assert.Equal(3, refused);
        Assert.Contains("answer_accuracy' = 0.4 is below min 0.7", refusal, StringComparison.Ordinal);
        Assert.Equal(0, (await CliRun.RunAsync("registry", "promote", f.Model, "2", "--lifecycle", lifecycle, "--connection-string", connection)).Exit);
        Assert.Equal(0, (await CliRun.RunAsync("registry", "alias", f.Model, "challenger", "1", "--connection-string", connection)).Exit);
        var (missing, missingText) = await CliRun.RunAsync("registry", "alias", f.Model, "challenger", "7", "--connection-string", connection);
        Assert.Equal(4, missing);
        Assert.Contains("does not exist", missingText, StringComparison.Ordinal);
        var (deployed, deployText) = await CliRun.RunAsync("registry", "deploy", f.Model, "2", "--env", "prod", "--reason", "release", "--connection-string", connection);
        Assert.Equal(0, deployed);
        var (_, registryShown) = await CliRun.RunAsync("registry", "show", f.Model, "--connection-string", connection);
        Assert.Contains("champion", registryShown, StringComparison.Ordinal);
        Assert.Contains(TestIdentity.Principal, registryShown, StringComparison.Ordinal);

        var deploymentId = deployText.Split(' ', StringSplitOptions.RemoveEmptyEntries).Single(w => w.StartsWith("deploy:prod/", StringComparison.Ordinal)).TrimEnd(':');
        var (up, upText) = await CliRun.RunAsync("lineage", deploymentId, "--up", "--format", "json", "--connection-string", connection);
        Assert.Equal(0, up);
        var graph = JsonDocument.Parse(upText).RootElement;
        Assert.Equal(new[] { good.Id, $"{f.Model}/2", deploymentId }.Order(StringComparer.Ordinal), graph.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        var (_, mermaid) = await CliRun.RunAsync("lineage", good.Id, "--down", "--format", "mermaid", "--connection-string", connection);
        Assert.StartsWith("flowchart LR", mermaid, StringComparison.Ordinal);
        Assert.Equal(4, (await CliRun.RunAsync("lineage", "dataset:none@0", "--connection-string", connection)).Exit);
        Assert.Equal(2, (await CliRun.RunAsync("lineage", "no-kind", "--connection-string", connection)).Exit);
        File.Delete(lifecycle);
    }
}
